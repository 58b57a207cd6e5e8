"""Separate output and input serializers: the output never carries a clear ID number."""

from rest_framework import serializers

from organisations.models import (
    Member,
    MemberCategory,
    MemberStatus,
    Organisation,
    OrganisationKind,
    Sex,
)
from organisations.reference_data import Education, Ethnicity


class OrganisationSerializer(serializers.ModelSerializer):
    """`path` is the materialised tree path: a node's ancestors are its path's prefixes."""

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "code",
            "founded_on",
            "organ",
            "is_active",
            "depth",
            "path",
        ]


class OrganisationInputSerializer(serializers.Serializer):
    parent = serializers.IntegerField()
    name = serializers.CharField(max_length=120)
    short_name = serializers.CharField(max_length=40, required=False, default="")
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    code = serializers.CharField(max_length=32)
    founded_on = serializers.DateField(required=False, allow_null=True, default=None)
    organ = serializers.CharField(max_length=120, required=False, default="")


class MemberSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "sex",
            "ethnicity",
            "birth_date",
            "id_number",
            "education",
            "joined_on",
            "full_member_on",
            "category",
            "organisation",
            "organisation_name",
            "unit",
            "post",
            "phone",
            "status",
        ]


class MemberInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    id_number = serializers.CharField(max_length=40)
    sex = serializers.ChoiceField(choices=Sex.choices)
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices)
    birth_date = serializers.DateField()
    education = serializers.ChoiceField(choices=Education.choices, required=False, default="")
    joined_on = serializers.DateField()
    full_member_on = serializers.DateField(required=False, allow_null=True, default=None)
    category = serializers.ChoiceField(choices=MemberCategory.choices)
    organisation = serializers.IntegerField()
    unit = serializers.CharField(max_length=120, required=False, default="")
    post = serializers.CharField(max_length=120, required=False, default="")
    phone = serializers.CharField(max_length=20, required=False, default="")
    status = serializers.ChoiceField(
        choices=MemberStatus.choices, required=False, default=MemberStatus.ACTIVE
    )


class MemberUpdateSerializer(MemberInputSerializer):
    """PATCH: every field optional; the ID number only when it changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
