"""One module per operation family; each has a libvips and a Pillow function for its actions."""
