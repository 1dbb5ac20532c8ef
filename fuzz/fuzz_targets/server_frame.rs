//! Any bytes a server (or anything in between) can send the desktop core as a text frame,
//! through the core's decoding (`serde_json::from_str::<ServerEnvelope>`, as
//! `tidings_core`'s session does) and, for frames that carry events or conversations,
//! through the core's cache as the session applies them, on a fresh in-memory cache.
//!
//! Properties: nothing panics; every frame that decodes serializes and decodes again to
//! itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tidings_core::cache::Cache;
use tidings_shared::{ServerEnvelope, ServerFrame};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(envelope) = serde_json::from_str::<ServerEnvelope>(text) else {
        return;
    };
    let again = serde_json::to_string(&envelope).expect("a decoded frame serializes");
    let decoded: ServerEnvelope = serde_json::from_str(&again)
        .unwrap_or_else(|e| panic!("a re-encoded frame does not decode: {e}: {again}"));
    assert_eq!(decoded, envelope, "{again}");
    apply(envelope.frame);
});

/// What the session does with a frame's data in the cache (errors are logged there, so
/// here they are only required not to be panics).
fn apply(frame: ServerFrame) {
    let needs_cache = matches!(
        frame,
        ServerFrame::Event { .. }
            | ServerFrame::History { .. }
            | ServerFrame::Sync { .. }
            | ServerFrame::Conversation { .. }
    );
    if !needs_cache {
        return;
    }
    let Ok(cache) = Cache::open(Path::new(":memory:")) else {
        panic!("an in-memory cache opens");
    };
    match frame {
        ServerFrame::Event {
            conversation_id,
            event,
        } => {
            let _ = cache.apply_events(&conversation_id, std::slice::from_ref(&event));
        }
        ServerFrame::History {
            conversation_id,
            events,
            ..
        } => {
            let _ = cache.apply_events(&conversation_id, &events);
        }
        ServerFrame::Sync { conversations, .. } => {
            for changes in conversations {
                let id = &changes.conversation.id;
                let _ = cache.upsert_conversation(&changes.conversation);
                let _ = cache.apply_events(id, &changes.events);
                let _ = cache.advance_cursor(id, changes.through);
            }
        }
        ServerFrame::Conversation { conversation } => {
            let _ = cache.upsert_conversation(&conversation);
            let _ = cache.conversations();
        }
        _ => {}
    }
}
