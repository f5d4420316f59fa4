"""The static Django/DRF reading of a repository (with `ast`, never importing the project).

`summarize_repository(root, files)` finds every Django project and reusable app and reads each
on its own (`project.py`); `render.render_projects` turns them into text within a budget;
`info.django_info` answers the `django_info` tool from the same facts.
"""
