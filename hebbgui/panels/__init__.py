"""Side panels: transport bar, params form, pattern editor, experiment dialog."""
