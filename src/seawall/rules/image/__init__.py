"""Image-configuration rules (``SW-IMG-NNN``, target ``image``): what the image config, its build
history and its squashed filesystem say about how the image will run. Each check receives an
:class:`~seawall.rules.image.subject.ImageSubject`; the image analyzer turns violations into
findings with ``Resource(image=..., layer=...)`` and ``Location(path=...)``.
"""
