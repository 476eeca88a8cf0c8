"""Execution: header reading, planning, backends and encoding."""
