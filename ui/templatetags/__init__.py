"""Template tags of the ui app."""
