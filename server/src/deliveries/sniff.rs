//! What an uploaded file is, judged by its bytes (never its name or the
//! declared type), whether it is complete, and the same file without
//! metadata that can carry a location.
//!
//! - JPEG: segments are walked; APP1 (EXIF with GPS, XMP), APP3–APP13,
//!   APP15 and comments are dropped; JFIF (APP0), ICC profiles (APP2) and
//!   Adobe colour info (APP14) are kept. It must end with an EOI marker
//!   after the image data. (EXIF orientation goes with APP1: a phone photo
//!   may show rotated; the trade is deliberate.)
//! - PNG: chunks are walked with their CRCs; `eXIf`, `tEXt`, `zTXt`, `iTXt`
//!   and `tIME` are dropped. It must start with IHDR and end with IEND.
//! - PDF: must start with `%PDF-` and end with `%%EOF`. It is stored as
//!   sent (documents are shown to staff only, as downloads).

use kolaborasi_shared::EvidenceType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Not JPEG, PNG or PDF.
    Unsupported,
    /// Recognised, but cut short or malformed.
    Truncated,
}

/// The file's type and its bytes with location-bearing metadata removed.
pub fn clean(bytes: &[u8]) -> Result<(EvidenceType, Vec<u8>), Problem> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg(bytes).map(|b| (EvidenceType::Jpeg, b))
    } else if bytes.starts_with(PNG_SIGNATURE) {
        png(bytes).map(|b| (EvidenceType::Png, b))
    } else if bytes.starts_with(b"%PDF-") {
        pdf(bytes).map(|()| (EvidenceType::Pdf, bytes.to_vec()))
    } else {
        Err(Problem::Unsupported)
    }
}

fn jpeg(bytes: &[u8]) -> Result<Vec<u8>, Problem> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    let mut scanned = false;
    loop {
        // Markers may be padded with 0xFF fill bytes.
        if bytes.get(i) != Some(&0xFF) {
            return Err(Problem::Truncated);
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let marker = *bytes.get(i).ok_or(Problem::Truncated)?;
        i += 1;
        match marker {
            // Stand-alone markers.
            0x01 | 0xD0..=0xD7 => out.extend_from_slice(&[0xFF, marker]),
            // End of image: anything after it (motion-photo videos, appended
            // images with their own EXIF, vendor trailers) is dropped.
            0xD9 if scanned => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0xD9 => return Err(Problem::Truncated),
            _ => {
                let len_bytes = bytes.get(i..i + 2).ok_or(Problem::Truncated)?;
                let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
                if len < 2 {
                    return Err(Problem::Truncated);
                }
                let segment = bytes.get(i..i + len).ok_or(Problem::Truncated)?;
                // Kept: JFIF (APP0), ICC profiles (APP2 "ICC_PROFILE"), Adobe
                // colour (APP14) and every non-APP segment; all other APPn
                // (EXIF/XMP with GPS, IPTC, maker notes, MPF) and comments go.
                let keep = match marker {
                    0xE0 | 0xEE => true,
                    0xE2 => segment.get(2..14) == Some(b"ICC_PROFILE\0".as_slice()),
                    0xE1..=0xEF | 0xFE => false,
                    _ => true,
                };
                if keep {
                    out.extend_from_slice(&[0xFF, marker]);
                    out.extend_from_slice(segment);
                }
                i += len;
                if marker == 0xDA {
                    // Entropy-coded data up to the next real marker (0xFF
                    // followed by neither 0x00 nor a restart marker).
                    let start = i;
                    loop {
                        let b = *bytes.get(i).ok_or(Problem::Truncated)?;
                        if b == 0xFF {
                            let next = *bytes.get(i + 1).ok_or(Problem::Truncated)?;
                            if next != 0x00 && !(0xD0..=0xD7).contains(&next) && next != 0xFF {
                                break;
                            }
                            if next == 0xFF {
                                // Fill bytes before a marker.
                                i += 1;
                                continue;
                            }
                            i += 2;
                        } else {
                            i += 1;
                        }
                    }
                    out.extend_from_slice(&bytes[start..i]);
                    scanned = true;
                }
            }
        }
    }
}

const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for part in parts {
        for &b in *part {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
    }
    !crc
}

fn png(bytes: &[u8]) -> Result<Vec<u8>, Problem> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut i = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        let head = bytes.get(i..i + 8).ok_or(Problem::Truncated)?;
        let len = usize::try_from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]))
            .map_err(|_| Problem::Truncated)?;
        let kind = &head[4..8];
        let data = bytes.get(i + 8..i + 8 + len).ok_or(Problem::Truncated)?;
        let crc = bytes
            .get(i + 8 + len..i + 12 + len)
            .ok_or(Problem::Truncated)?;
        if crc32(&[kind, data]).to_be_bytes() != crc {
            return Err(Problem::Truncated);
        }
        if first && kind != b"IHDR" {
            return Err(Problem::Truncated);
        }
        first = false;
        // An allowlist: what draws the image and its colours. Text, EXIF,
        // time, provenance and unknown chunks are dropped.
        let keep = matches!(
            kind,
            b"IHDR"
                | b"PLTE"
                | b"IDAT"
                | b"IEND"
                | b"tRNS"
                | b"gAMA"
                | b"cHRM"
                | b"sRGB"
                | b"iCCP"
                | b"sBIT"
                | b"bKGD"
                | b"pHYs"
        );
        if keep {
            out.extend_from_slice(&bytes[i..i + 12 + len]);
        }
        i += 12 + len;
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

fn pdf(bytes: &[u8]) -> Result<(), Problem> {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if tail.windows(5).any(|w| w == b"%%EOF") {
        Ok(())
    } else {
        Err(Problem::Truncated)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny baseline JPEG (1×1) with an EXIF segment holding "GPS" bytes
    /// and a comment, built by hand: SOI, APP0, APP1, COM, DQT-less SOS, EOI.
    pub fn jpeg_with_exif() -> Vec<u8> {
        let mut f = vec![0xFF, 0xD8];
        // APP0 JFIF
        f.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        f.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        // APP1 EXIF with a recognisable payload
        let exif = b"Exif\0\0GPSLatitude-6.2000;GPSLongitude106.8";
        let len = u16::try_from(exif.len() + 2).unwrap().to_be_bytes();
        f.extend_from_slice(&[0xFF, 0xE1, len[0], len[1]]);
        f.extend_from_slice(exif);
        // COM
        f.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x07]);
        f.extend_from_slice(b"hello");
        // SOS with a minimal header, then "scan data", then EOI
        f.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        f.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56]);
        f.extend_from_slice(&[0xFF, 0xD9]);
        f
    }

    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
        c
    }

    pub fn png_with_text() -> Vec<u8> {
        let mut f = PNG_SIGNATURE.to_vec();
        f.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        f.extend(chunk(b"tEXt", b"Location\0-6.2,106.8"));
        f.extend(chunk(b"eXIf", b"MM\0*GPS"));
        f.extend(chunk(b"caBX", b"provenance GPS"));
        f.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0x60, 0, 0, 0, 2, 0, 1]));
        f.extend(chunk(b"IEND", b""));
        f
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn jpeg_loses_exif_and_comments_but_keeps_the_image() {
        let (kind, out) = clean(&jpeg_with_exif()).unwrap();
        assert_eq!(kind, EvidenceType::Jpeg);
        assert!(!contains(&out, b"GPS"));
        assert!(!contains(&out, b"hello"));
        assert!(contains(&out, b"JFIF"));
        assert!(out.ends_with(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]));
    }

    #[test]
    fn jpeg_trailers_and_segments_between_scans_are_dropped() {
        let mut f = jpeg_with_exif();
        // A second scan preceded by an APP1 (as progressive files may have).
        let n = f.len();
        f.truncate(n - 2);
        f.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x08]);
        f.extend_from_slice(b"GPS:2\0");
        f.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        f.extend_from_slice(&[0x77, 0xFF, 0xD3, 0x78]);
        f.extend_from_slice(&[0xFF, 0xD9]);
        // A motion-photo style trailer after EOI.
        f.extend_from_slice(b"ftypmp42....GPS trailer");
        let (_, out) = clean(&f).unwrap();
        assert!(!contains(&out, b"GPS"));
        assert!(
            contains(&out, &[0x77, 0xFF, 0xD3, 0x78]),
            "restart markers kept"
        );
        assert!(out.ends_with(&[0xFF, 0xD9]));
    }

    #[test]
    fn png_loses_text_and_exif_chunks() {
        let (kind, out) = clean(&png_with_text()).unwrap();
        assert_eq!(kind, EvidenceType::Png);
        assert!(!contains(&out, b"Location"));
        assert!(!contains(&out, b"GPS"));
        assert!(contains(&out, b"IDAT"));
        assert!(out.ends_with(&chunk(b"IEND", b"")));
    }

    #[test]
    fn truncated_or_foreign_files_are_refused() {
        let jpeg = jpeg_with_exif();
        assert_eq!(clean(&jpeg[..jpeg.len() - 2]), Err(Problem::Truncated));
        assert_eq!(clean(&jpeg[..20]), Err(Problem::Truncated));
        let png = png_with_text();
        assert_eq!(clean(&png[..png.len() - 5]), Err(Problem::Truncated));
        let mut bad_crc = png.clone();
        let n = bad_crc.len();
        bad_crc[n - 20] ^= 0xFF;
        assert_eq!(clean(&bad_crc), Err(Problem::Truncated));
        assert_eq!(clean(b"%PDF-1.7\n1 0 obj\n"), Err(Problem::Truncated));
        assert!(clean(b"%PDF-1.7\n1 0 obj\nendobj\n%%EOF\n").is_ok());
        assert_eq!(
            clean(b"<html><script>alert(1)</script>"),
            Err(Problem::Unsupported)
        );
        assert_eq!(clean(b"MZ\x90\0"), Err(Problem::Unsupported));
        assert_eq!(clean(b""), Err(Problem::Unsupported));
    }
}
