"""Opening the next year through the API: `POST /api/years/rollover/` with {"year": N, "dry_run": true}
answers with the preview (nothing written); without dry_run it applies (office only, all or nothing,
409 when N+1 is already opened). See projects/services/rollover.py."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.api.serializers import JSONTypes
from projects.services.rollover import year_rollover_apply, year_rollover_preview


class RolloverRequestSerializer(JSONTypes, serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2099, help_text=_("The year to carry over from (N)."))
    dry_run = serializers.BooleanField(default=False, help_text=_("Preview only; nothing is written."))


class RolloverProjectSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    name = serializers.CharField(source="project.name")
    stage_before = serializers.CharField()
    stage_after = serializers.CharField()
    planned_investment = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("Draft plan, 万元."))


class ClosedProjectSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class RolloverCountsSerializer(serializers.Serializer):
    carried = serializers.IntegerField()
    closed = serializers.IntegerField()
    new_to_continuing = serializers.IntegerField()
    by_stage = serializers.DictField(child=serializers.IntegerField())
    planned_investment = serializers.DecimalField(max_digits=16, decimal_places=2)


class RolloverSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    next_year = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    counts = RolloverCountsSerializer()
    carried = RolloverProjectSerializer(many=True)
    closed = ClosedProjectSerializer(many=True)
    programme = serializers.DictField(help_text=_("The draft programme of the next year (with its id once applied)."))


class YearRolloverView(APIView):
    """Open the next year (office): preview with dry_run, then apply."""

    resource = "years"
    operations = {"POST": "rollover"}

    @extend_schema(request=RolloverRequestSerializer, responses={200: RolloverSerializer, 201: RolloverSerializer})
    def post(self, request):
        serializer = RolloverRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        year, dry_run = serializer.validated_data["year"], serializer.validated_data["dry_run"]
        service = year_rollover_preview if dry_run else year_rollover_apply
        preview = service(year=year, user=request.user)
        body = RolloverSerializer({"year": preview.year, "next_year": preview.next_year, "dry_run": dry_run,
                                   "counts": preview.counts, "carried": preview.carried, "closed": preview.closed,
                                   "programme": {k: str(v) if hasattr(v, "as_tuple") else v
                                                 for k, v in preview.programme.items()}}).data
        return Response(body, status=200 if dry_run else 201)
