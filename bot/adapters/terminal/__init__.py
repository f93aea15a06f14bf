"""The terminal adapter: `which-approach chat` and its rich rendering."""
