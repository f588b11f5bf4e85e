//! Finding INBOX, Sent and Drafts: configuration first, then SPECIAL-USE, then the names
//! clients use, localised ones and Gmail's included (rule 10).

use async_imap::imap_proto::{MailboxListData, NameAttribute};

use super::{Connection, ImapError, utf7};
use crate::config::ImapConfig;

/// A folder as LIST reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The name on the wire (modified UTF-7): what SELECT and APPEND take.
    pub wire: String,
    /// The name as the user sees it.
    pub name: String,
    pub delimiter: Option<String>,
    /// SPECIAL-USE and other attributes, lower-case with the backslash (`\sent`).
    pub attributes: Vec<String>,
}

impl Folder {
    pub(super) fn from_list(data: &MailboxListData<'_>) -> Folder {
        let attributes = data
            .name_attributes
            .iter()
            .map(|a| {
                match a {
                    NameAttribute::NoInferiors => "\\noinferiors".to_string(),
                    NameAttribute::NoSelect => "\\noselect".to_string(),
                    NameAttribute::Marked => "\\marked".to_string(),
                    NameAttribute::Unmarked => "\\unmarked".to_string(),
                    NameAttribute::All => "\\all".to_string(),
                    NameAttribute::Archive => "\\archive".to_string(),
                    NameAttribute::Drafts => "\\drafts".to_string(),
                    NameAttribute::Flagged => "\\flagged".to_string(),
                    NameAttribute::Junk => "\\junk".to_string(),
                    NameAttribute::Sent => "\\sent".to_string(),
                    NameAttribute::Trash => "\\trash".to_string(),
                    NameAttribute::Extension(other) => other.to_string(),
                    _ => String::new(),
                }
                .to_ascii_lowercase()
            })
            .filter(|a| !a.is_empty())
            .collect();
        Folder {
            wire: data.name.to_string(),
            name: utf7::display(&data.name),
            delimiter: data.delimiter.as_ref().map(|d| d.to_string()),
            attributes,
        }
    }

    fn has(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|a| a == attribute)
    }

    fn selectable(&self) -> bool {
        !self.has("\\noselect") && !self.has("\\nonexistent")
    }

    /// Gmail's virtual folders hold copies of everything; reading them would count
    /// every message twice.
    fn virtual_copy(&self) -> bool {
        self.has("\\all") || self.has("\\flagged") || self.has("\\important")
    }

    /// The last level of the name, lower-case: "INBOX.Sent" and "[Gmail]/Sent Mail" end
    /// in "sent" and "sent mail".
    fn leaf_name(&self) -> String {
        let name = self.name.to_lowercase();
        let cut = match self.delimiter.as_deref() {
            Some(d) if !d.is_empty() => name.rsplit(d).next().map(str::to_string),
            _ => None,
        };
        cut.unwrap_or(name)
    }
}

/// The folders sync reads and nudges write to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    pub inbox: Folder,
    pub sent: Folder,
    /// Absent when the account has none; only the draft mode needs it.
    pub drafts: Option<Folder>,
}

/// Names clients give the Sent folder, lower-case, most common first.
const SENT_NAMES: &[&str] = &[
    "sent",
    "sent items",
    "sent messages",
    "sent mail",
    "sent-mail",
    "gesendet",
    "gesendete objekte",
    "gesendete elemente",
    "envoyés",
    "éléments envoyés",
    "messages envoyés",
    "enviados",
    "elementos enviados",
    "itens enviados",
    "inviati",
    "posta inviata",
    "verzonden",
    "verzonden items",
    "skickat",
    "skickade objekt",
    "sendt",
    "sendte elementer",
    "lähetetyt",
    "wysłane",
    "elementy wysłane",
    "odeslané",
    "отправленные",
    "送信済み",
    "送信済みメール",
    "已发送",
    "보낸편지함",
];

/// Names clients give the Drafts folder, lower-case.
const DRAFT_NAMES: &[&str] = &[
    "drafts",
    "draft",
    "entwürfe",
    "brouillons",
    "borradores",
    "rascunhos",
    "bozze",
    "concepten",
    "utkast",
    "kladder",
    "luonnokset",
    "kopie robocze",
    "koncepty",
    "черновики",
    "下書き",
    "草稿",
    "임시보관함",
];

/// Picks the folders from a LIST answer. Pure, so every rule is unit-tested.
pub fn resolve(listed: &[Folder], imap: &ImapConfig, server: &str) -> Result<Folders, ImapError> {
    let candidates: Vec<&Folder> = listed
        .iter()
        .filter(|f| f.selectable() && !f.virtual_copy())
        .collect();

    let inbox = match &imap.inbox_folder {
        Some(name) => by_config(&candidates, name, "INBOX", server)?,
        None => candidates
            .iter()
            .find(|f| f.wire.eq_ignore_ascii_case("INBOX"))
            .map(|f| (*f).clone())
            .unwrap_or_else(|| Folder {
                // INBOX always exists (RFC 3501 §5.1) even when LIST leaves it out.
                wire: "INBOX".into(),
                name: "INBOX".into(),
                delimiter: None,
                attributes: Vec::new(),
            }),
    };
    let sent = match &imap.sent_folder {
        Some(name) => by_config(&candidates, name, "Sent", server)?,
        None => by_role(&candidates, "\\sent", SENT_NAMES).ok_or_else(|| ImapError::NoFolder {
            server: server.to_string(),
            role: "Sent",
            hint: "set imap.sent_folder to its name".into(),
        })?,
    };
    let drafts = match &imap.drafts_folder {
        Some(name) => Some(by_config(&candidates, name, "Drafts", server)?),
        None => by_role(&candidates, "\\drafts", DRAFT_NAMES),
    };
    Ok(Folders {
        inbox,
        sent,
        drafts,
    })
}

fn by_config(
    candidates: &[&Folder],
    name: &str,
    role: &'static str,
    server: &str,
) -> Result<Folder, ImapError> {
    candidates
        .iter()
        .find(|f| f.name == name || f.wire == name)
        .map(|f| (*f).clone())
        .ok_or_else(|| ImapError::NoFolder {
            server: server.to_string(),
            role,
            hint: format!("the configured folder {name:?} is not on the server"),
        })
}

fn by_role(candidates: &[&Folder], attribute: &str, names: &[&str]) -> Option<Folder> {
    if let Some(found) = candidates.iter().find(|f| f.has(attribute)) {
        return Some((*found).clone());
    }
    // Earlier names in the list win; among equals, the shorter path (a top-level "Sent"
    // over "Archive/Sent").
    names.iter().find_map(|wanted| {
        candidates
            .iter()
            .filter(|f| f.leaf_name() == *wanted)
            .min_by_key(|f| f.name.len())
            .map(|f| (*f).clone())
    })
}

impl Connection {
    /// LISTs the account's folders and picks INBOX, Sent and Drafts.
    pub async fn discover_folders(&mut self, imap: &ImapConfig) -> Result<Folders, ImapError> {
        let listed = self.list_folders().await?;
        let server = self.server().to_string();
        resolve(&listed, imap, &server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Secret, Tls};

    fn folder(wire: &str, attributes: &[&str]) -> Folder {
        Folder {
            wire: wire.into(),
            name: utf7::display(wire),
            delimiter: Some("/".into()),
            attributes: attributes.iter().map(|a| a.to_lowercase()).collect(),
        }
    }

    fn imap() -> ImapConfig {
        ImapConfig {
            host: "imap.example.com".into(),
            port: 993,
            tls: Tls::Implicit,
            username: "me".into(),
            secret: Secret::Plain("x".into()),
            ca_file: None,
            poll_minutes: 5,
            sent_folder: None,
            drafts_folder: None,
            inbox_folder: None,
        }
    }

    #[test]
    fn special_use_wins_over_names() {
        let listed = [
            folder("INBOX", &[]),
            folder("Sent", &[]),
            folder("Outbox copies", &["\\Sent"]),
            folder("Drafts", &["\\Drafts"]),
        ];
        let f = resolve(&listed, &imap(), "s").unwrap();
        assert_eq!(f.sent.wire, "Outbox copies");
        assert_eq!(f.drafts.unwrap().wire, "Drafts");
        assert_eq!(f.inbox.wire, "INBOX");
    }

    #[test]
    fn gmail_virtual_folders_are_skipped() {
        let listed = [
            folder("INBOX", &[]),
            folder("[Gmail]", &["\\Noselect"]),
            folder("[Gmail]/All Mail", &["\\All", "\\Sent"]),
            folder("[Gmail]/Important", &["\\Important"]),
            folder("[Gmail]/Starred", &["\\Flagged"]),
            folder("[Gmail]/Sent Mail", &["\\Sent"]),
            folder("[Gmail]/Drafts", &["\\Drafts"]),
        ];
        let f = resolve(&listed, &imap(), "s").unwrap();
        assert_eq!(f.sent.wire, "[Gmail]/Sent Mail");
        assert_eq!(f.drafts.unwrap().wire, "[Gmail]/Drafts");
    }

    #[test]
    fn localised_names_without_special_use() {
        let listed = [
            folder("INBOX", &[]),
            folder(&utf7::encode("Отправленные"), &[]),
            folder(&utf7::encode("Черновики"), &[]),
        ];
        let f = resolve(&listed, &imap(), "s").unwrap();
        assert_eq!(f.sent.name, "Отправленные");
        assert_eq!(f.sent.wire, "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-");
        assert_eq!(f.drafts.unwrap().name, "Черновики");

        let dotted = [Folder {
            wire: "INBOX.Sent Items".into(),
            name: "INBOX.Sent Items".into(),
            delimiter: Some(".".into()),
            attributes: vec![],
        }];
        assert_eq!(
            resolve(&dotted, &imap(), "s").unwrap().sent.wire,
            "INBOX.Sent Items"
        );
    }

    #[test]
    fn configuration_overrides_and_is_checked() {
        let listed = [
            folder("INBOX", &[]),
            folder("Sent", &["\\Sent"]),
            folder("Mine/Sent", &[]),
        ];
        let mut cfg = imap();
        cfg.sent_folder = Some("Mine/Sent".into());
        assert_eq!(resolve(&listed, &cfg, "s").unwrap().sent.wire, "Mine/Sent");
        cfg.sent_folder = Some("Nope".into());
        let err = resolve(&listed, &cfg, "imap.example.com:993").unwrap_err();
        assert!(err.to_string().contains("Nope"), "{err}");
    }

    #[test]
    fn no_sent_folder_is_a_clear_error() {
        let err = resolve(&[folder("INBOX", &[])], &imap(), "imap.example.com:993").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("Sent") && text.contains("sent_folder"),
            "{text}"
        );
    }
}
