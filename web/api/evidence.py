"""Evidence of a case over the API: list, upload (multipart) and fetch, within the caller's scope."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from models import User
from web.api.common import BEARER, caller, require_token
from web.requests import clock, db, end_reads, evidence_store
from web.schemas.evidence import EvidenceOut
from web.views.evidence import evidence_response, read_upload
from workflows.cases.browse import visible_case
from workflows.cases.evidence import add_evidence, case_evidence, evidence_content
from workflows.core.errors import ValidationFailed

blp = Blueprint("api_evidence", __name__, url_prefix="/api/v1", description="案件证据 / case evidence")
blp.before_request(require_token)
UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "collected_at", "collected_place", "proves"],
    "properties": {"file": {"type": "string", "format": "binary"},
                   "collected_at": {"type": "string", "format": "date-time"},
                   "collected_place": {"type": "string", "maxLength": 200},
                   "proves": {"type": "string", "maxLength": 2000},
                   "collected_by_user_id": {"type": "integer"}}}}}}


@blp.route("/cases/<int:case_id>/evidence")
class CaseEvidence(MethodView):
    """The evidence of one case (404 outside scope)."""

    @blp.doc(security=BEARER)
    @blp.response(200, EvidenceOut(many=True))
    def get(self, case_id: int):
        """Every item, oldest first."""
        return case_evidence(db(), visible_case(db(), caller(), case_id).id)

    @blp.doc(security=BEARER, requestBody=UPLOAD_BODY)
    @blp.response(201, EvidenceOut)
    def post(self, case_id: int):
        """Add a photo, recording, video or PDF; refused by content type and size (第46–47条)."""
        case = visible_case(db(), caller(), case_id)
        # Parsed by hand: flask-smorest documents a mixed multipart body (file + fields) wrongly.
        upload, errors = read_upload()
        if errors:
            raise ValidationFailed(errors)
        user = db().get(User, caller().user_id)
        end_reads()
        return add_evidence(db(), clock(), evidence_store(), user, case.id, upload,
                            current_app.config["EVIDENCE_LIMITS"])


@blp.route("/cases/<int:case_id>/evidence/<int:evidence_id>/content")
class EvidenceContent(MethodView):
    """The stored bytes of one item."""

    @blp.doc(security=BEARER)
    @blp.response(200, {"type": "string", "format": "binary"})
    def get(self, case_id: int, evidence_id: int):
        """The file exactly as stored (its sha256 is checked before it is served)."""
        case = visible_case(db(), caller(), case_id)
        return evidence_response(*evidence_content(db(), evidence_store(), case.id, evidence_id))
