//! Map tiles for benchmarks of the first visit: a loopback server that
//! answers every tile with the same light 256×256 PNG, so pages load their
//! tiles as they would on the internet (no failed requests in the console,
//! tile bytes on the simulated network) without depending on it.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};

/// A running tile server; it lives until xtask exits.
pub struct TileServer {
    /// The `--tile-url` template for the Kolaborasi server.
    pub template: String,
}

impl TileServer {
    pub fn start() -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("tile server: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let png: &'static [u8] = Box::leak(blank_tile()?.into_boxed_slice());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || answer(stream, png));
            }
        });
        Ok(Self {
            template: format!("http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"),
        })
    }
}

/// Reads one request's head and answers with the tile; one request per
/// connection.
fn answer(mut stream: TcpStream, png: &[u8]) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\
         Cache-Control: public, max-age=86400\r\nAccess-Control-Allow-Origin: *\r\n\
         Connection: close\r\n\r\n",
        png.len()
    );
    let _ = stream.write_all(reply.as_bytes());
    let _ = stream.write_all(png);
}

/// A 256×256 PNG of one light colour (land on a plain basemap).
fn blank_tile() -> Result<Vec<u8>, String> {
    const SIDE: u32 = 256;
    // Each row: filter type 0 (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain([0xec, 0xef, 0xf1].repeat(SIDE as usize))
        .collect();
    let raw = row.repeat(SIDE as usize);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw).map_err(|e| e.to_string())?;
    let data = z.finish().map_err(|e| e.to_string())?;
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    // 8 bits per sample, RGB, deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, body) in [(b"IHDR", ihdr), (b"IDAT", data), (b"IEND", Vec::new())] {
        let len = u32::try_from(body.len()).map_err(|e| e.to_string())?;
        png.extend_from_slice(&len.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(&body);
        png.extend_from_slice(kind);
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    }
    Ok(png)
}
