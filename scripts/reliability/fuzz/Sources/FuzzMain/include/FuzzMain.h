// Nothing to export: FuzzMain.c only defines the entry point.
