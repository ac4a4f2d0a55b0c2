//! Deliveries: the collaborator (or an operator) reports what was handed
//! over, with photo evidence and the handover certificate (BAST); the
//! place's representative confirms what arrived with a one-time code; staff
//! verify. Each side's word is shown separately on the public report.

use serde::{Deserialize, Serialize};

/// Request header carrying the staff CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "Kolaborasi-Csrf";

/// Largest evidence upload, in bytes.
pub const MAX_EVIDENCE_BYTES: usize = 8 * 1024 * 1024;
/// Most photos and documents one delivery may carry (each).
pub const MAX_EVIDENCE_FILES: usize = 6;
/// Longest recipient comment.
pub const MAX_COMMENT: usize = 1000;

/// What an uploaded file turned out to be (by its content, not its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EvidenceType {
    Jpeg,
    Png,
    Pdf,
}

impl EvidenceType {
    #[must_use]
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Pdf => "application/pdf",
        }
    }

    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Pdf => "pdf",
        }
    }

    #[must_use]
    pub fn is_image(self) -> bool {
        !matches!(self, Self::Pdf)
    }
}

/// The answer to `POST /api/v1/commitments/{code}/evidence` (raw file body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Evidence {
    /// SHA-256 of the stored (metadata-stripped) bytes; the file's name.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EvidenceType,
    pub bytes: u64,
}

/// One line of a delivery report: how many of a committed package were handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DeliveredLineInput {
    pub package_id: i64,
    /// 0 up to the committed quantity; what was not delivered returns to the pool.
    pub quantity: i64,
}

/// `POST /api/v1/commitments/{code}/delivery`: by the holder of the manage
/// token (or the owning account), or by staff (cookie + CSRF header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DeliveryReport {
    #[serde(default)]
    pub token: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    pub delivered_on: String,
    pub lines: Vec<DeliveredLineInput>,
    /// Evidence ids (images) from the upload endpoint; at least one.
    pub photos: Vec<String>,
    /// Evidence ids of the handover certificate (image or PDF); at least one.
    pub documents: Vec<String>,
}

/// The one-time confirmation code for the place, after a delivery report.
/// Shown once to the reporter (and again to staff), never publicly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReceiptSlip {
    /// Tracking code of the commitment.
    pub code: String,
    /// `XXXX-XXXX`, single use.
    pub confirm_code: String,
    /// Path of the recipient's page, e.g. `/terima/ABCD-EFGH`.
    pub confirm_path: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// A QR code of the page's absolute URL, as an SVG document.
    pub qr_svg: String,
}

/// How the place answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// Reported; the place has not answered yet.
    Pending,
    Confirmed,
    Disputed,
}

impl ReceiptStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Disputed => "disputed",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Confirmed, Self::Disputed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One delivered line as shown publicly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliveredLine {
    pub package_id: i64,
    pub quantity: u32,
    /// As the place confirmed: received in good order, and damaged.
    pub received_ok: Option<u32>,
    pub received_damaged: Option<u32>,
}

/// Who reported a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reporter {
    Collaborator,
    Staff,
}

/// A delivery on the public report: three separate voices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliveryView {
    pub delivered_on: String,
    pub reported_by: Reporter,
    /// Unix seconds.
    pub reported_at: i64,
    pub lines: Vec<DeliveredLine>,
    /// Evidence ids of the photos (public, location metadata removed).
    pub photos: Vec<String>,
    /// How many handover documents were attached (staff see them).
    pub documents: u32,
    pub receipt: ReceiptStatus,
    pub receipt_at: Option<i64>,
    /// Verified by staff (Unix seconds).
    pub verified_at: Option<i64>,
}

/// `GET /api/v1/receipts/{confirm_code}`: what the place is asked to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReceiptRequest {
    pub commitment: crate::CommitmentView,
    pub expires_at: i64,
}

/// One line of the place's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceivedLineInput {
    pub package_id: i64,
    pub ok: i64,
    pub damaged: i64,
}

/// `POST /api/v1/receipts/{confirm_code}`: confirm (possibly with damaged
/// units) or dispute with a comment. Single use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiptAnswer {
    /// `confirmed` or `disputed`.
    pub outcome: ReceiptStatus,
    pub lines: Vec<ReceivedLineInput>,
    /// Required when disputing; seen by staff only.
    #[serde(default)]
    pub comment: String,
}

/// One delivery at a place, for its public page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlaceDelivery {
    /// Tracking code of the commitment (its public report).
    pub code: String,
    pub delivery: DeliveryView,
}

/// `GET /api/v1/locations/{id}/deliveries`: the latest deliveries there, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlaceDeliveries {
    pub deliveries: Vec<PlaceDelivery>,
}

/// Most deliveries `GET /api/v1/locations/{id}/deliveries` returns.
pub const MAX_PLACE_DELIVERIES: i64 = 50;
