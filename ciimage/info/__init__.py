"""What CI answers about an image: imageInfo, exif, imageAve, ImageInspect."""
