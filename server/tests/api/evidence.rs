//! Delivery evidence and reports as a donor sends them (shared by the API
//! tests and the solo scenarios).

use kolaborasi_shared::{
    CommitmentReceipt, DeliveredLineInput, DeliveryReport, Evidence, ReceiptSlip,
};
use reqwest::{StatusCode, header};

use crate::support::{TestApp, send, today};

/// A tiny JPEG whose EXIF segment holds a GPS position and a comment.
pub fn jpeg_with_gps() -> Vec<u8> {
    let mut f = vec![0xFF, 0xD8];
    f.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
    f.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let exif = b"Exif\0\0GPSLatitude-6.1680;GPSLongitude106.8130";
    let len = u16::try_from(exif.len() + 2).unwrap().to_be_bytes();
    f.extend_from_slice(&[0xFF, 0xE1, len[0], len[1]]);
    f.extend_from_slice(exif);
    f.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x0A]);
    f.extend_from_slice(b"camera-X");
    f.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    f.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56]);
    f.extend_from_slice(&[0xFF, 0xD9]);
    f
}

pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Uploads `bytes` for `code` with the manage token; returns the response.
pub async fn upload_raw(
    app: &TestApp,
    code: &str,
    token: Option<&str>,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/commitments/{code}/evidence")))
        .header(header::CONTENT_TYPE, content_type)
        .body(bytes);
    if let Some(token) = token {
        request = request.header(kolaborasi_shared::MANAGE_TOKEN_HEADER, token);
    }
    send(request).await
}

pub async fn upload(app: &TestApp, receipt: &CommitmentReceipt, bytes: Vec<u8>) -> Evidence {
    let response = upload_raw(
        app,
        &receipt.commitment.code,
        Some(&receipt.manage_token),
        "application/octet-stream",
        bytes,
    )
    .await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).unwrap()
}

pub fn report_of(
    receipt: &CommitmentReceipt,
    lines: &[(i64, i64)],
    photos: &[&Evidence],
    documents: &[&Evidence],
) -> DeliveryReport {
    DeliveryReport {
        token: Some(receipt.manage_token.clone()),
        delivered_on: today(),
        lines: lines
            .iter()
            .map(|&(package_id, quantity)| DeliveredLineInput {
                package_id,
                quantity,
            })
            .collect(),
        photos: photos.iter().map(|e| e.id.clone()).collect(),
        documents: documents.iter().map(|e| e.id.clone()).collect(),
    }
}

/// Uploads a photo and a PDF and reports the delivery of `lines`.
pub async fn report_delivery(
    app: &TestApp,
    receipt: &CommitmentReceipt,
    lines: &[(i64, i64)],
) -> (ReceiptSlip, Evidence, Evidence) {
    let photo = upload(app, receipt, jpeg_with_gps()).await;
    let pdf = upload(app, receipt, PDF.to_vec()).await;
    let response = app
        .post(
            &format!("/api/v1/commitments/{}/delivery", receipt.commitment.code),
            &report_of(receipt, lines, &[&photo], &[&pdf]),
            &[],
        )
        .await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    (serde_json::from_str(&text).unwrap(), photo, pdf)
}
