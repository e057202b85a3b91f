"""Errors raised for users: the message travels with the exception, in the request's language,
and the error views (catalogue.views) show it rather than Django's English default."""
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import get_object_or_404 as django_get_object_or_404


class NotFound(Http404):
    def __init__(self, message):
        super().__init__(message)
        self.user_message = message


class Invalid(BadRequest):
    def __init__(self, message):
        super().__init__(message)
        self.user_message = message


def get_object_or_404(queryset, message, **lookup):
    try:
        return django_get_object_or_404(queryset, **lookup)
    except Http404:
        raise NotFound(message) from None
