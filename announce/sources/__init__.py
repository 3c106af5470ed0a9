"""Reading a site's content: front matter, key maps, generator habits.

The flow, one module a step:

- ``profiles``: which generator made the site (Jekyll, Hugo, Zola, Eleventy, Astro,
  MkDocs, Pelican, Gatsby, Docusaurus, Next.js, Nuxt, Metalsmith) and its habits: YAML
  1.1 or 1.2, naive timestamps local or UTC, bundles; ``codeconfig``: the values of
  configs that are code (``pelicanconf.py``, ``gatsby-config.js``), read as text.
- ``frontmatter``: a file into its front matter (YAML, TOML, JSON, or Pelican's
  ``Key: value`` header, read by ``headers``) and body, with the line of every key.
- ``keymap``: which keys hold which field of an event; ``dates``: the values of the
  start and end keys as instants; ``lookup``: venues, speakers and groups named by id;
  ``bodyfields``: facts written in the body (``| 日時 | ... |``).
- ``events``: one document through the key map into an ``Event``;
  ``catalog``: the events folder into a ``Catalog``, leaving out what is no event.
- ``body``: an event's body as the page shows it (shortcodes, Liquid), for email;
  ``mdx``: an MDX body without its imports, JSX and expressions.
- ``infer``: what ``announce init`` finds out about a site, to write its key map.
"""
