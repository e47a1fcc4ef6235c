"""`python -m ingest ...` -> ingest.cli.main; `python -m ingest tags|duplicates|facets ...` -> app.library.cli."""
import sys

from ingest.cli import main

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("tags", "duplicates", "facets"):
        from app.library.cli import main as library_main

        sys.exit(library_main())
    sys.exit(main())
