"""``python -m grapevine`` runs the command-line interface."""

from grapevine.cli import main

if __name__ == "__main__":
    main()
