//! Any bytes a client can send as a WebSocket text frame, through everything the gateway
//! does with it before a handler touches storage: JSON, request id, type, shape, and the
//! frame's own limits (`tidings_server::gateway::decode_client_frame`).
//!
//! Properties: it never panics; a refusal is a client error with one of the codes a
//! frame can be refused with before storage, and carries a message; an accepted frame
//! serializes and decodes again to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tidings_server::gateway::decode_client_frame;
use tidings_shared::limits::MAX_FRAME_BYTES;
use tidings_shared::ErrorCode;

fuzz_target!(|data: &[u8]| {
    // The socket closes on larger frames (1009) and on text that is not UTF-8 (1007)
    // before the gateway sees them.
    if data.len() > MAX_FRAME_BYTES {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match decode_client_frame(text) {
        Ok(envelope) => {
            let again = serde_json::to_string(&envelope).expect("an accepted frame serializes");
            match decode_client_frame(&again) {
                Ok(decoded) => assert_eq!(decoded, envelope, "{again}"),
                Err((_, e)) => panic!("an accepted frame re-encoded is refused: {e:?}: {again}"),
            }
        }
        Err((id, error)) => {
            assert!(
                matches!(
                    error.code,
                    ErrorCode::InvalidFrame
                        | ErrorCode::UnknownFrame
                        | ErrorCode::EmptyText
                        | ErrorCode::TextTooLong
                        | ErrorCode::InvalidEmoji
                        | ErrorCode::InvalidConversation
                ),
                "unexpected code {:?}",
                error.code
            );
            assert!(!error.message.is_empty());
            assert!(error.retry_after_ms.is_none());
            if let Some(id) = id {
                assert!(id.chars().count() <= 128);
            }
        }
    }
});
