"""Core API views."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    roles = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """Who am I: the signed-in user's campus ID, display name and roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        data = {
            "username": user.username,
            "display_name": user.get_display_name(),
            "email": user.email,
            "roles": sorted(user.role_names),
        }
        return Response(MeSerializer(data).data)
