"""Every process's copy of the place names (places.place_index) follows an edit at its next lookup."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalogue import versions

from .models import Place
from .places import PLACES_VERSION


@receiver([post_save, post_delete], sender=Place)
def place_names_changed(sender, **kwargs):
    versions.bump(PLACES_VERSION)
