"""Styles for `style/NAME` on the command line: `--style NAME=RULE`, or those `ciimage serve`
stored under its root (read with the server's own `StyleStore`, so both agree on the layout)."""

from __future__ import annotations

from pathlib import Path

from ciimage.errors import RuleError, StyleNotFoundError


def parse_style_flags(flags: list[str]) -> dict[str, str]:
    styles: dict[str, str] = {}
    for flag in flags:
        name, equals, rule = flag.partition("=")
        if not equals or not name.strip() or not rule.strip():
            raise RuleError(f"--style {flag!r} must be NAME=RULE, e.g. thumb=imageView2/2/w/200")
        styles[name.strip()] = rule.strip()
    return styles


def styles_for(
    rule: str, flags: list[str], root: Path | None, bucket: str | None
) -> dict[str, str] | None:
    """Every style the rule may name; None when it names none and no flag gives one."""
    given = parse_style_flags(flags)
    wanted = _style_names(rule)
    if not wanted or all(name in given for name in wanted):
        return given or None
    if root is None:
        missing = next(name for name in wanted if name not in given)
        raise StyleNotFoundError(
            f"style {missing!r} is not defined: give --style {missing}=RULE, or --styles-from "
            "DIR (a `ciimage serve --root` folder holding stored styles)"
        )
    return {**stored_styles(root, bucket), **given}


def stored_styles(root: Path, bucket: str | None) -> dict[str, str]:
    from ciimage.server.config import DEFAULT_STYLE_SEPARATORS
    from ciimage.server.styles import StyleStore

    if not root.is_dir():
        raise OSError(2, "no such folder (expected a `ciimage serve --root` folder)", str(root))
    store = StyleStore(root, DEFAULT_STYLE_SEPARATORS)
    buckets = sorted(path.stem for path in store.folder.glob("*.json"))
    if bucket is None:
        if not buckets:
            raise StyleNotFoundError(
                f"no styles are stored under {root} (ciimage serve keeps them in {store.folder})"
            )
        if len(buckets) > 1:
            raise StyleNotFoundError(
                f"{root} holds styles of several buckets ({', '.join(buckets)}); "
                "choose one with --bucket NAME"
            )
        bucket = buckets[0]
    return store.all(bucket)


def _style_names(rule: str) -> list[str]:
    from ciimage.rules import parse
    from ciimage.rules.ast import StyleRef

    return [stage.name for stage in parse(rule).stages if isinstance(stage, StyleRef)]
