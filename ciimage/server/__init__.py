"""The local COS + CI server."""
