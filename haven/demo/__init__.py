"""The demo world (DESIGN §10): a deterministic, fictional county to try Haven in.

Product code never imports this package (the import contract in ``.importlinter`` says so);
it reaches the product only through the services, like a school using Haven would.

- :mod:`haven.demo.world`: the county, trusts, schools, people and pupils; ``DEMO_STEPS``,
  ``demo_world_build`` and ``demo_logins_list``.
- :mod:`haven.demo.dates`: the story's calendar; its records are written inside
  :func:`haven.core.clock.history`, at the story's moments, through the real services.
- :mod:`haven.demo.story`: two years of concerns and cases.
- One module per app's step: :mod:`~haven.demo.safety_plans`, :mod:`~haven.demo.pupil_voice`,
  :mod:`~haven.demo.resources`, :mod:`~haven.demo.insights`, :mod:`~haven.demo.network`,
  :mod:`~haven.demo.records`, :mod:`~haven.demo.compliance`; and :mod:`~haven.demo.northshire`,
  the neighbouring authority's few concerns and its case.
- ``manage.py load_demo`` and ``manage.py demo_logins``.
"""
