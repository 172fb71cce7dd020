"""Thin command line: arguments -> library calls -> reporters. One error boundary in main()."""
