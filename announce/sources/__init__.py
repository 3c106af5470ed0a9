"""Reading a site's content: front matter, key maps, generator habits."""
