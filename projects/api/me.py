"""GET /api/me/: who the caller is in the mechanism (user, role, unit, leader)."""


from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.choices import Role
from projects.services.roles import leader_of, role_of, unit_of


class MeUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=("单位编号。 / The unit's id (see /api/units/{id}/)."))
    name = serializers.CharField(help_text=("单位名称（中文）。 / The unit's name in Chinese."))
    name_en = serializers.CharField(help_text=("单位英文名称。 / The unit's name in English."))


class MeLeaderSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=("领导编号。 / The leader's id (see /api/leaders/{id}/)."))
    name = serializers.CharField(help_text=("姓名或职务。 / The leader's name or title."))
    title = serializers.CharField(help_text=("职务。 / The leader's position."))


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=("用户编号。 / The user's id."))
    username = serializers.CharField(help_text=("登录名。 / The login name."))
    full_name = serializers.CharField(help_text=("姓名（未填写时为空）。 / The person's name (empty when not set)."))
    role = serializers.ChoiceField(
        choices=Role.choices, allow_null=True,
        help_text=("角色：office 项目办（全部读写）、reporter 单位填报员（本单位项目的月报、问题、节点）、leader 分包领导"
                    "（评分、问题批示）、auditor 审计（只读）；null 表示账号未分配角色，只能读取。 / The role: office "
                    "(reads and writes everything), reporter (its unit's projects' reports, problems and "
                    "milestones), leader (review scores and problem comments), auditor (read only); null: the "
                    "account has no role and may only read."))
    role_display = serializers.CharField(allow_null=True, help_text=(
        "角色名称（按 Accept-Language）。 / The role's label in the caller's language."))
    unit = MeUnitSerializer(allow_null=True, help_text=(
        "填报员所属单位（其他角色一般为 null）。 / The unit a reporter reports for (usually null for other roles)."))
    leader = MeLeaderSerializer(allow_null=True, help_text=(
        "与账号关联的分包领导（没有则为 null）。 / The leader record linked to the account, or null."))


class MeView(APIView):
    """Who am I: the calling account with its role, unit and leader record."""

    resource = "me"

    @extend_schema(
        operation_id="me_retrieve", responses=MeSerializer, tags=["me"],
        summary="当前用户：账号、角色、单位、领导 / Who am I: account, role, unit, leader",
        description=("返回调用者（令牌或会话所属账号）的用户名、姓名、角色、所属单位和关联的分包领导，用于决定界面上可做的操作。"
                     " / The calling account (of the token or session): username, name, role, the unit it "
                     "reports for and its leader record; use it to decide what to offer the person."))
    def get(self, request):
        user = request.user
        role = role_of(user)
        unit, leader = unit_of(user), leader_of(user)
        return Response(MeSerializer({
            "id": user.pk, "username": user.get_username(), "full_name": user.get_full_name(),
            "role": role, "role_display": str(Role(role).label) if role else None,
            "unit": unit and {"id": unit.pk, "name": unit.name, "name_en": unit.name_en},
            "leader": leader and {"id": leader.pk, "name": leader.name, "title": leader.title},
        }).data)
