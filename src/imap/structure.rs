//! BODYSTRUCTURE, reduced to the leaf parts: enough to fetch the one text part a person
//! wrote and to list attachments by name and size without downloading them.

use async_imap::imap_proto::{BodyStructure, ContentDisposition, ContentType};
use serde::{Deserialize, Serialize};

use crate::message::Attachment;

/// One leaf of a message's MIME tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaf {
    /// IMAP section path ("1.2" is `[1, 2]`); empty for a message that is not multipart,
    /// whose body is fetched as `TEXT`.
    pub section: Vec<u32>,
    /// Lower-case `type/subtype`.
    pub mime: String,
    /// `Content-Disposition: attachment`.
    pub attachment: bool,
    pub name: Option<String>,
    /// Encoded size in bytes.
    pub size: u32,
}

impl Leaf {
    /// The section as IMAP writes it ("1.2"), or `TEXT` for a single-part message.
    pub fn section_spec(&self) -> String {
        if self.section.is_empty() {
            "TEXT".to_string()
        } else {
            section_string(&self.section)
        }
    }

    fn is_text(&self, subtype: &str) -> bool {
        !self.attachment && self.mime == format!("text/{subtype}")
    }
}

pub fn section_string(path: &[u32]) -> String {
    path.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The leaves in MIME order. Attached messages (message/rfc822) are one leaf: we never
/// read into them.
pub fn leaves(structure: &BodyStructure<'_>) -> Vec<Leaf> {
    let mut out = Vec::new();
    walk(structure, &mut Vec::new(), &mut out);
    out
}

fn walk(part: &BodyStructure<'_>, path: &mut Vec<u32>, out: &mut Vec<Leaf>) {
    let (common, other) = match part {
        BodyStructure::Multipart { bodies, .. } => {
            for (i, body) in bodies.iter().enumerate() {
                path.push(i as u32 + 1);
                walk(body, path, out);
                path.pop();
            }
            return;
        }
        BodyStructure::Basic { common, other, .. }
        | BodyStructure::Text { common, other, .. }
        | BodyStructure::Message { common, other, .. } => (common, other),
    };
    out.push(Leaf {
        section: path.clone(),
        mime: mime(&common.ty),
        attachment: common
            .disposition
            .as_ref()
            .is_some_and(|d| d.ty.eq_ignore_ascii_case("attachment")),
        name: file_name(common.disposition.as_ref(), &common.ty),
        size: other.octets,
    });
}

fn mime(ty: &ContentType<'_>) -> String {
    format!("{}/{}", ty.ty, ty.subtype).to_ascii_lowercase()
}

fn file_name(disposition: Option<&ContentDisposition<'_>>, ty: &ContentType<'_>) -> Option<String> {
    let find = |params: &Option<Vec<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)>>,
                key: &str| {
        params.as_ref().and_then(|params| {
            params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.to_string())
        })
    };
    disposition
        .and_then(|d| find(&d.params, "filename"))
        .or_else(|| find(&ty.params, "name"))
        .filter(|name| !name.is_empty())
}

/// The part to read: the first inline text/plain, else the first inline text/html.
pub fn text_leaf(leaves: &[Leaf]) -> Option<&Leaf> {
    leaves
        .iter()
        .find(|l| l.is_text("plain"))
        .or_else(|| leaves.iter().find(|l| l.is_text("html")))
}

/// Everything that is not a readable text part, as the message model lists attachments.
pub fn attachments(leaves: &[Leaf]) -> Vec<Attachment> {
    leaves
        .iter()
        .filter(|l| !(l.is_text("plain") || l.is_text("html")))
        .map(|l| Attachment {
            name: l.name.clone(),
            content_type: l.mime.clone(),
            size: l.size as usize,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use async_imap::imap_proto::{BodyContentCommon, BodyContentSinglePart, ContentEncoding};

    use super::*;

    fn single(
        ty: &str,
        sub: &str,
        disposition: Option<&str>,
        name: Option<&str>,
        size: u32,
    ) -> BodyStructure<'static> {
        let common = BodyContentCommon {
            ty: ContentType {
                ty: Cow::Owned(ty.into()),
                subtype: Cow::Owned(sub.into()),
                params: name.map(|n| vec![(Cow::Borrowed("NAME"), Cow::Owned(n.into()))]),
            },
            disposition: disposition.map(|d| ContentDisposition {
                ty: Cow::Owned(d.into()),
                params: None,
            }),
            language: None,
            location: None,
        };
        let other = BodyContentSinglePart {
            id: None,
            md5: None,
            description: None,
            transfer_encoding: ContentEncoding::Base64,
            octets: size,
        };
        if ty == "text" {
            BodyStructure::Text {
                common,
                other,
                lines: 1,
                extension: None,
            }
        } else {
            BodyStructure::Basic {
                common,
                other,
                extension: None,
            }
        }
    }

    fn multi(sub: &str, bodies: Vec<BodyStructure<'static>>) -> BodyStructure<'static> {
        BodyStructure::Multipart {
            common: BodyContentCommon {
                ty: ContentType {
                    ty: Cow::Borrowed("multipart"),
                    subtype: Cow::Owned(sub.into()),
                    params: None,
                },
                disposition: None,
                language: None,
                location: None,
            },
            bodies,
            extension: None,
        }
    }

    #[test]
    fn plain_inside_alternative_inside_mixed() {
        let bs = multi(
            "mixed",
            vec![
                multi(
                    "alternative",
                    vec![
                        single("text", "plain", None, None, 300),
                        single("text", "html", None, None, 900),
                    ],
                ),
                single(
                    "application",
                    "pdf",
                    Some("attachment"),
                    Some("contract.pdf"),
                    20_000_000,
                ),
            ],
        );
        let leaves = leaves(&bs);
        assert_eq!(leaves.len(), 3);
        let text = text_leaf(&leaves).unwrap();
        assert_eq!(text.section, vec![1, 1]);
        assert_eq!(text.section_spec(), "1.1");
        let att = attachments(&leaves);
        assert_eq!(att.len(), 1);
        assert_eq!(att[0].name.as_deref(), Some("contract.pdf"));
        assert_eq!(att[0].size, 20_000_000);
    }

    #[test]
    fn html_only_and_single_part() {
        let bs = single("text", "html", None, None, 10);
        let leaves = leaves(&bs);
        assert_eq!(text_leaf(&leaves).unwrap().section_spec(), "TEXT");
        assert!(attachments(&leaves).is_empty());
    }

    #[test]
    fn text_attachment_is_not_the_body() {
        let bs = multi(
            "mixed",
            vec![
                single("text", "plain", Some("attachment"), Some("log.txt"), 5),
                single("text", "html", None, None, 10),
            ],
        );
        let leaves = leaves(&bs);
        assert_eq!(text_leaf(&leaves).unwrap().section, vec![2]);
        assert_eq!(attachments(&leaves)[0].name.as_deref(), Some("log.txt"));
    }

    #[test]
    fn only_attachment_means_no_text() {
        let bs = single("image", "png", None, None, 10);
        assert!(text_leaf(&leaves(&bs)).is_none());
    }
}
