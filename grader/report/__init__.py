"""Reports: render a Grade for people (the terminal table) and machines (results.json)."""
