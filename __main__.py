"""`python -m formpipe …` is the `formpipe` command."""
import sys

from formpipe.pipeline import main

sys.exit(main())
