//! Modified UTF-7, the encoding of IMAP folder names on the wire (RFC 3501 §5.1.3).
//!
//! Printable ASCII stands for itself except `&`, written `&-`; anything else is UTF-16BE
//! in base64 (with `,` for `/`, no padding) between `&` and `-`. Hand-rolled: the one
//! crate for it pulls three dependencies and cannot report malformed input.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// A wire name that is not valid modified UTF-7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("folder name {0:?} is not valid modified UTF-7")]
pub struct Utf7Error(pub String);

/// A folder name as the user sees it, for the wire.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush_base64(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush_base64(&mut out, &mut pending);
    out
}

fn flush_base64(out: &mut String, units: &mut Vec<u16>) {
    if units.is_empty() {
        return;
    }
    let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out.push('-');
    units.clear();
}

/// A wire name for showing and matching. Strict: malformed input is an error, not a guess.
pub fn decode(wire: &str) -> Result<String, Utf7Error> {
    let err = || Utf7Error(wire.to_string());
    let mut out = String::with_capacity(wire.len());
    let mut rest = wire;
    while let Some(start) = rest.find('&') {
        if !rest[..start].chars().all(|c| (' '..='~').contains(&c)) {
            return Err(err());
        }
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('-').ok_or_else(err)?;
        let encoded = &after[..end];
        if encoded.is_empty() {
            out.push('&');
        } else {
            let bytes = decode_base64(encoded).ok_or_else(err)?;
            if bytes.len() % 2 != 0 {
                return Err(err());
            }
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            let text = String::from_utf16(&units).map_err(|_| err())?;
            // A base64 run that only carries printable ASCII is not canonical.
            if text.chars().any(|c| (' '..='~').contains(&c)) {
                return Err(err());
            }
            out.push_str(&text);
        }
        rest = &after[end + 1..];
    }
    if !rest.chars().all(|c| (' '..='~').contains(&c)) {
        return Err(err());
    }
    out.push_str(rest);
    Ok(out)
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for b in text.bytes() {
        let value = ALPHABET.iter().position(|&a| a == b)? as u32;
        bits = (bits << 6) | value;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    // Leftover bits must be zero padding, fewer than one base64 digit.
    (nbits < 6 && bits == 0).then_some(out)
}

/// The name to show: decoded when possible, else the wire name as it is.
pub fn display(wire: &str) -> String {
    decode(wire).unwrap_or_else(|_| wire.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        // RFC 3501 §5.1.3.
        assert_eq!(
            encode("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(
            decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-").unwrap(),
            "~peter/mail/台北/日本語"
        );
    }

    #[test]
    fn localized_sent_folders() {
        for name in [
            "Отправленные",
            "Éléments envoyés",
            "Gesendete Objekte",
            "送信済みメール",
            "Wysłane",
            "Skickat & arkiv",
            "Enviados 📨",
        ] {
            let wire = encode(name);
            assert!(wire.is_ascii(), "{wire}");
            assert_eq!(decode(&wire).unwrap(), name);
        }
        assert_eq!(encode("Отправленные"), "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-");
        assert_eq!(encode("Tom & Jerry"), "Tom &- Jerry");
        assert_eq!(decode("Tom &- Jerry").unwrap(), "Tom & Jerry");
    }

    #[test]
    fn malformed_names_are_errors_not_panics() {
        for bad in [
            "&",
            "&U,BTFw",
            "&U,BTF-",
            "&AGE-",
            "&*&-",
            "caf\u{e9}",
            "&2D0-",
        ] {
            assert!(decode(bad).is_err(), "{bad:?} decoded");
        }
        assert_eq!(display("&broken"), "&broken");
    }
}
