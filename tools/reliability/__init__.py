"""Issue 16's reliability harness: hostile files, edited sessions, write faults, kills mid-save, bad
command lines, bad API calls, soaks and a GUI hammer, each case classified (see README.md)."""
