//! The boundary between the Kolaborasi client and server.
//!
//! Every request, response, query and error that crosses the wire is defined
//! here once and used by both sides, together with the public log's
//! verification. It compiles for the browser (wasm32) and the server alike;
//! the `schema` feature (server only) derives JSON Schemas for OpenAPI.

pub mod account;
pub mod area;
pub mod catalogue;
pub mod commitment;
pub mod config;
pub mod delivery;
pub mod error;
pub mod location;
pub mod log;
pub mod report;
pub mod routes;
pub mod search;
pub mod staff;
pub mod stats;
pub mod validate;

pub use account::{Account, Credentials, Registration, RegistrationSent};
pub use area::{AreaLevel, AreaNode, AreaRef, AreaTree};
pub use catalogue::{Localized, Need, NeedLevel, Package, Program, ProgramList};
pub use commitment::{
    CancelRequest, CollaboratorInput, CollaboratorKind, CommitmentLine, CommitmentList,
    CommitmentPlace, CommitmentPrivate, CommitmentReceipt, CommitmentStatus, CommitmentView,
    ConfirmRequest, Correction, LineInput, NewCommitment, PackageRemaining,
};
pub use config::ClientConfig;
pub use delivery::{
    CSRF_HEADER, DeliveredLine, DeliveredLineInput, DeliveryReport, DeliveryView, Evidence,
    EvidenceType, MAX_COMMENT, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES, MAX_PLACE_DELIVERIES,
    PlaceDeliveries, PlaceDelivery, ReceiptAnswer, ReceiptRequest, ReceiptSlip, ReceiptStatus,
    ReceivedLineInput, Reporter,
};
pub use error::{ApiError, ErrorBody, ErrorCode, FieldProblem};
pub use location::{
    Bbox, Category, HeadcountUnit, LocationDetail, LocationList, LocationPoints, LocationQuery,
    LocationSummary, MapPoint, POINT_SCALE, QueryError,
};
pub use log::{HistoryEntry, LogEntry, LogHead, LogPage, SignedHead};
pub use report::{
    GroupedReport, NewReport, OpenReports, PlaceReports, ReportAction, ReportKind, ReportStatus,
    ReportView, StaffReport, SuggestedPlace,
};
pub use staff::{
    AuditEntry, AuditPage, LocationInput, MAX_QUEUE_PAGE, NeedInput, NewCorrection, NewPackage,
    NewProgram, NewStaff, Queue, QueueCount, QueueCounts, QueueItem, QueuePage, Role, StaffChange,
    StaffCommitment, StaffCredentials, StaffList, StaffLocation, StaffMember, StaffSession,
};
pub use stats::{
    AnonymousTotals, BreakdownRow, Breakdowns, CollaboratorDirectory, CollaboratorEntry, DayRow,
    Stats, Totals,
};

/// Path prefix of the current API version; clients build every URL from it.
pub const API_PREFIX: &str = "/api/v1";

/// Request header that makes `POST /api/v1/commitments` safe to retry.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// Request header carrying a commitment's manage token for its private view.
pub const MANAGE_TOKEN_HEADER: &str = "Kolaborasi-Manage-Token";
