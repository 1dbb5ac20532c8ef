//! `POST /v1/conversations` and `GET /v1/conversations`.

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::json::JsonBody;
use crate::state::AppState;
use crate::store::{keys, NewConversation};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use tidings_shared::limits::GROUP_MAX_MEMBERS;
use tidings_shared::{
    ConversationId, ConversationKind, ConversationList, ConversationSummary, CreateConversation,
    ErrorCode, ServerEnvelope, ServerFrame, UserId,
};

/// Opens a direct conversation (or returns the existing one: 200 instead of 201) or
/// creates a group. Every member's connections learn of it by a `conversation` frame.
pub async fn create(
    State(state): State<AppState>,
    me: AuthUser,
    JsonBody(req): JsonBody<CreateConversation>,
) -> AppResult<(StatusCode, Json<ConversationSummary>)> {
    let (kind, title, members) = match req {
        CreateConversation::Direct { username } => {
            let other = find_user(&state, &username).await?;
            if other == me.id {
                return Err(AppError::client(
                    ErrorCode::InvalidConversation,
                    "A direct conversation needs another person.",
                ));
            }
            (ConversationKind::Direct, None, vec![me.id.clone(), other])
        }
        CreateConversation::Group {
            title,
            members: usernames,
        } => {
            let title = crate::gateway::checked_title(&title)?;
            if usernames.len() >= GROUP_MAX_MEMBERS {
                return Err(too_many_members());
            }
            let mut members = vec![me.id.clone()];
            for username in &usernames {
                let id = find_user(&state, username).await?;
                if !members.contains(&id) {
                    members.push(id);
                }
            }
            (ConversationKind::Group, Some(title), members)
        }
    };
    let id = ConversationId(ulid::Ulid::new().to_string());
    let (id, created) = state
        .store
        .create_conversation(NewConversation {
            id,
            kind,
            title: title.as_deref(),
            created_by: &me.id,
            members: &members,
        })
        .await?;
    let summary = state
        .store
        .summaries(&me.id, std::slice::from_ref(&id))
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal("conversation vanished after create".into()))?;
    if created {
        let members: Vec<UserId> = summary.members.iter().map(|m| m.user.id.clone()).collect();
        announce_to(&state, &summary.id, &members).await;
        Ok((StatusCode::CREATED, Json(summary)))
    } else {
        Ok((StatusCode::OK, Json(summary)))
    }
}

/// My conversations, most recently active first.
pub async fn list(
    State(state): State<AppState>,
    me: AuthUser,
) -> AppResult<Json<ConversationList>> {
    let ids = state.store.conversation_ids(&me.id).await?;
    let mut conversations = state.store.summaries(&me.id, &ids).await?;
    conversations.sort_by(|a, b| b.last_activity.cmp(&a.last_activity).then(a.id.cmp(&b.id)));
    Ok(Json(ConversationList { conversations }))
}

async fn find_user(state: &AppState, username: &str) -> AppResult<UserId> {
    state
        .store
        .user_by_username(username)
        .await?
        .map(|u| u.profile.id)
        .ok_or_else(|| {
            AppError::client(
                ErrorCode::UserNotFound,
                format!("Nobody is called \"{username}\"."),
            )
        })
}

fn too_many_members() -> AppError {
    AppError::client(
        ErrorCode::InvalidConversation,
        format!("A group may have at most {GROUP_MAX_MEMBERS} members."),
    )
}

/// Tells `users`' connections (on every instance) that they are in conversation `cid`
/// now. If this publish is lost, they still find it on their next `sync`.
pub(crate) async fn announce_to(state: &AppState, cid: &ConversationId, users: &[UserId]) {
    for user in users {
        let summary = match state.store.summaries(user, std::slice::from_ref(cid)).await {
            Ok(mut s) => match s.pop() {
                Some(summary) => summary,
                None => return,
            },
            Err(e) => {
                tracing::warn!(error = %e, "could not announce a conversation");
                return;
            }
        };
        let frame = ServerEnvelope {
            id: None,
            frame: ServerFrame::Conversation {
                conversation: summary,
            },
        };
        let Ok(text) = serde_json::to_string(&frame) else {
            return;
        };
        if let Err(e) = state.store.publish(&keys::user_channel(user), &text).await {
            tracing::warn!(error = %e, "could not announce a conversation");
        }
    }
}
