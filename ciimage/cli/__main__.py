import sys

from ciimage.cli import main

sys.exit(main())
