"""The rule language: grammar, typed AST, validation and canonical form."""
