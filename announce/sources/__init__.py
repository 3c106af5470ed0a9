"""Reading a site's content: front matter, key maps, generator habits.

The flow, one module a step:

- ``profiles``: which generator made the site (Jekyll, Hugo, Zola, Eleventy, Astro,
  MkDocs) and its habits: YAML 1.1 or 1.2, naive timestamps local or UTC, bundles.
- ``frontmatter``: a file into its front matter (YAML, TOML or JSON) and body, with
  the line of every key.
- ``keymap``: which keys hold which field of an event; ``dates``: the values of the
  start and end keys as instants; ``lookup``: venues, speakers and groups named by id;
  ``bodyfields``: facts written in the body (``| 日時 | ... |``).
- ``events``: one document through the key map into an ``Event``;
  ``catalog``: the events folder into a ``Catalog``, leaving out what is no event.
- ``body``: an event's body as the page shows it (shortcodes, Liquid), for email.
- ``infer``: what ``announce init`` finds out about a site, to write its key map.
"""
