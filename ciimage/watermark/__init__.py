"""Image and text watermarks."""
