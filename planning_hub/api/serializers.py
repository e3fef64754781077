"""Serializers shared across the API (error body, comment bodies)."""

from rest_framework import serializers


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(required=False, allow_null=True)
    file = serializers.CharField(required=False)
    line = serializers.IntegerField(required=False, allow_null=True)
    column = serializers.CharField(required=False, allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every error response: ``{detail, code, errors: [...]}``."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = ErrorItemSerializer(many=True)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


ERROR_RESPONSES = dict.fromkeys((400, 401, 403, 404, 409), ErrorSerializer)
