"""Personas: the model of a persona and how persona files are found and read."""

from backdev.personas.loader import (
    PersonaCatalog,
    PersonaError,
    UnknownPersonaError,
    builtin_personas_dir,
    load_catalog,
    parse_persona,
)
from backdev.personas.model import Persona, PersonaLoadFailure

__all__ = [
    "Persona",
    "PersonaCatalog",
    "PersonaError",
    "PersonaLoadFailure",
    "UnknownPersonaError",
    "builtin_personas_dir",
    "load_catalog",
    "parse_persona",
]
