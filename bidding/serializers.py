"""DRF serializers of the bids API."""

from django.urls import reverse
from rest_framework import serializers

from bidding.models import Bid, BidAttachment
from bidding.services import MAX_ATTACHMENTS_PER_BID, PROPOSAL_MAX_CHARS, attachment_limit_text
from catalog.serializers import OrganizationBriefSerializer

# For the schema (read when the module loads); the error message reads the setting at request time.
ATTACHMENT_RULE = f"最多 {MAX_ATTACHMENTS_PER_BID} 个，PDF、DOCX、XLSX、PNG、JPEG，{attachment_limit_text()}"


class BidAttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="下载地址（需登录且有权查看该意向书）")

    class Meta:
        model = BidAttachment
        fields = ["id", "original_name", "extension", "size", "uploaded_at", "download_url"]

    def get_download_url(self, obj) -> str:
        return reverse("bidding:attachment_download", args=[obj.pk])


class BidSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True, help_text="投标单位")
    demand_title = serializers.CharField(source="demand.title", read_only=True, help_text="需求名称")
    attachments = BidAttachmentSerializer(many=True, read_only=True, help_text="附件")
    is_sealed = serializers.BooleanField(
        read_only=True, help_text="true：密封报价，截止前发布方看不到报价；false：公开报价，发布方截止前即可查看"
    )
    reject_reason = serializers.ChoiceField(
        choices=Bid.RejectReason.choices,
        allow_blank=True,
        read_only=True,
        help_text="未采纳原因（未采纳时才有，否则为空字符串）",
    )

    class Meta:
        model = Bid
        fields = [
            "id",
            "demand",
            "demand_title",
            "organization",
            "proposal",
            "price_wan",
            "delivery_days",
            "status",
            "is_sealed",
            "reject_reason",
            "decision_note",
            "attachments",
            "submitted_at",
            "updated_at",
            "decided_at",
        ]
        read_only_fields = fields


class _BidInputSerializer(serializers.Serializer):
    proposal = serializers.CharField(max_length=PROPOSAL_MAX_CHARS, help_text="方案说明（不超过 5000 字）")
    price_wan = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, help_text="报价（万元）")
    delivery_days = serializers.IntegerField(min_value=1, max_value=3650, help_text="交付周期（天）")
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=f"附件（multipart 上传）：{ATTACHMENT_RULE}；按文件内容校验类型与大小",
    )


class BidCreateSerializer(_BidInputSerializer):
    demand = serializers.IntegerField(help_text="需求编号")


class BidUpdateSerializer(_BidInputSerializer):
    remove_attachments = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, help_text="要删除的附件编号"
    )


class BidDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[("shortlist", "入围"), ("reject", "未采纳"), ("accept", "接受")], help_text="处理结果"
    )
    reason = serializers.ChoiceField(
        choices=Bid.RejectReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="未采纳原因（decision=reject 时必填）：price 价格 / technical 技术不符 / qualification 资质 / other 其他",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="", help_text="说明")
