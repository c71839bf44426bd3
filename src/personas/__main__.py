"""``python -m personas``: the same command line as the ``personas`` script."""

from personas.cli import main

if __name__ == "__main__":
    main()
