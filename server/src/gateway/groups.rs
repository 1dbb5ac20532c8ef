//! Group management: rename, add and remove members, roles, ownership, leaving.
//!
//! Who may do what: admins and the owner rename and add members; admins remove members,
//! the owner removes anyone but themself; only the owner changes roles and transfers
//! ownership; anyone may leave (an owner who leaves hands ownership to the
//! longest-standing admin, else the longest-standing member). Every change is decided
//! against the group's membership version and appended with its system event in one
//! atomic step, so concurrent changes cannot interleave.

use super::dispatch::{append, check_rate, Session};
use crate::error::{AppError, AppResult};
use crate::store::{Change, GroupState, LogWrite, MembershipChange};
use tidings_shared::limits::{GROUP_MAX_MEMBERS, GROUP_TITLE_MAX_CHARS};
use tidings_shared::{ConversationId, ErrorCode, EventBody, Role, Seq, ServerFrame, UserId};

/// A decided change: the system event and the membership changes it makes.
type Decision = (EventBody, Vec<Change>);

fn forbidden(why: &str) -> AppError {
    AppError::client(ErrorCode::Forbidden, why.to_owned())
}

fn not_a_member() -> AppError {
    AppError::client(
        ErrorCode::NotAMember,
        "That person is not a member of this group.",
    )
}

/// Trims and checks a group title.
pub(crate) fn checked_title(title: &str) -> AppResult<String> {
    let title = title.trim().to_owned();
    if title.is_empty() || title.chars().count() > GROUP_TITLE_MAX_CHARS {
        return Err(AppError::client(
            ErrorCode::InvalidConversation,
            format!("A group title has 1 to {GROUP_TITLE_MAX_CHARS} characters."),
        ));
    }
    Ok(title)
}

/// Reads the group, lets `decide` judge the caller's request, and appends the result;
/// retries when the membership changed in between. Returns the event's seq.
async fn change_group(
    session: &Session<'_>,
    cid: &ConversationId,
    decide: impl Fn(&GroupState, Role) -> AppResult<Decision>,
) -> AppResult<Seq> {
    check_rate(session)?;
    let me = &session.user.id;
    for _ in 0..5 {
        let state = session
            .state
            .store
            .group_state(cid)
            .await?
            .ok_or_else(AppError::not_found)?;
        let my_role = state.role_of(me).ok_or_else(AppError::not_found)?;
        if !state.is_group {
            return Err(AppError::client(
                ErrorCode::InvalidConversation,
                "Direct conversations have no members to manage.",
            ));
        }
        let (body, changes) = decide(&state, my_role)?;
        let write = LogWrite {
            conversation: cid,
            sender: me,
            dedup_field: None,
            event_tail: crate::store::event_tail(me, &body)?,
            is_message: false,
            replace: None,
            seq_floor: session.state.seq_floors.get(cid),
            membership: Some(MembershipChange {
                version: state.version,
                changes,
            }),
        };
        if let Some((seq, _)) = append(session, write).await? {
            return Ok(seq);
        }
    }
    Err(AppError::Internal("the group kept changing".into()))
}

fn done(cid: ConversationId, seq: Seq) -> ServerFrame {
    ServerFrame::Done {
        conversation_id: cid,
        seq,
    }
}

pub(super) async fn rename(
    session: &Session<'_>,
    cid: ConversationId,
    title: String,
) -> AppResult<ServerFrame> {
    let title = checked_title(&title)?;
    let seq = change_group(session, &cid, |_, role| {
        if role < Role::Admin {
            return Err(forbidden("Only admins can rename the group."));
        }
        Ok((
            EventBody::Renamed {
                title: title.clone(),
            },
            vec![Change::Title(title.clone())],
        ))
    })
    .await?;
    Ok(done(cid, seq))
}

pub(super) async fn add_members(
    session: &Session<'_>,
    cid: ConversationId,
    usernames: Vec<String>,
) -> AppResult<ServerFrame> {
    let mut ids = Vec::new();
    for username in &usernames {
        let user = session
            .state
            .store
            .user_by_username(username)
            .await?
            .ok_or_else(|| {
                AppError::client(
                    ErrorCode::UserNotFound,
                    format!("Nobody is called \"{username}\"."),
                )
            })?;
        if !ids.contains(&user.profile.id) {
            ids.push(user.profile.id);
        }
    }
    let added = std::sync::Mutex::new(Vec::new());
    let seq = change_group(session, &cid, |state, role| {
        if role < Role::Admin {
            return Err(forbidden("Only admins can add members."));
        }
        let new: Vec<UserId> = ids
            .iter()
            .filter(|u| state.role_of(u).is_none())
            .cloned()
            .collect();
        if new.is_empty() {
            return Err(AppError::client(
                ErrorCode::InvalidConversation,
                "Everyone named is already a member.",
            ));
        }
        if state.members.len() + new.len() > GROUP_MAX_MEMBERS {
            return Err(AppError::client(
                ErrorCode::InvalidConversation,
                format!("A group may have at most {GROUP_MAX_MEMBERS} members."),
            ));
        }
        *added.lock().unwrap_or_else(|e| e.into_inner()) = new.clone();
        let changes = new
            .iter()
            .map(|u| Change::Add(u.clone(), Role::Member))
            .collect();
        Ok((EventBody::MembersAdded { users: new }, changes))
    })
    .await?;
    let added = added.into_inner().unwrap_or_else(|e| e.into_inner());
    crate::conversations::announce_to(session.state, &cid, &added).await;
    Ok(done(cid, seq))
}

pub(super) async fn remove_member(
    session: &Session<'_>,
    cid: ConversationId,
    user: UserId,
) -> AppResult<ServerFrame> {
    let me = session.user.id.clone();
    let seq = change_group(session, &cid, |state, role| {
        if user == me {
            return Err(AppError::client(
                ErrorCode::InvalidConversation,
                "To remove yourself, leave.",
            ));
        }
        let target = state.role_of(&user).ok_or_else(not_a_member)?;
        match (role, target) {
            (_, Role::Owner) => Err(forbidden("The owner cannot be removed.")),
            (Role::Owner, _) | (Role::Admin, Role::Member) => Ok(()),
            (Role::Admin, Role::Admin) => Err(forbidden("Only the owner can remove an admin.")),
            (Role::Member, _) => Err(forbidden("Only admins can remove members.")),
        }?;
        Ok((
            EventBody::MemberRemoved { user: user.clone() },
            vec![Change::Remove(user.clone())],
        ))
    })
    .await?;
    Ok(done(cid, seq))
}

pub(super) async fn set_role(
    session: &Session<'_>,
    cid: ConversationId,
    user: UserId,
    new_role: Role,
) -> AppResult<ServerFrame> {
    let seq = change_group(session, &cid, |state, role| {
        if role != Role::Owner {
            return Err(forbidden("Only the owner can change roles."));
        }
        if new_role == Role::Owner {
            return Err(AppError::client(
                ErrorCode::InvalidFrame,
                "Use transfer_ownership to make someone the owner.",
            ));
        }
        if state.role_of(&user).ok_or_else(not_a_member)? == Role::Owner {
            return Err(forbidden(
                "The owner's role changes only by transferring ownership.",
            ));
        }
        Ok((
            EventBody::RoleChanged {
                user: user.clone(),
                role: new_role,
            },
            vec![Change::SetRole(user.clone(), new_role)],
        ))
    })
    .await?;
    Ok(done(cid, seq))
}

pub(super) async fn transfer_ownership(
    session: &Session<'_>,
    cid: ConversationId,
    user: UserId,
) -> AppResult<ServerFrame> {
    let me = session.user.id.clone();
    let seq = change_group(session, &cid, |state, role| {
        if role != Role::Owner {
            return Err(forbidden("Only the owner can transfer ownership."));
        }
        if user == me {
            return Err(AppError::client(
                ErrorCode::InvalidConversation,
                "You already own this group.",
            ));
        }
        state.role_of(&user).ok_or_else(not_a_member)?;
        Ok((
            EventBody::OwnershipTransferred { to: user.clone() },
            vec![
                Change::SetRole(user.clone(), Role::Owner),
                Change::SetRole(me.clone(), Role::Admin),
            ],
        ))
    })
    .await?;
    Ok(done(cid, seq))
}

pub(super) async fn leave(session: &Session<'_>, cid: ConversationId) -> AppResult<ServerFrame> {
    let me = session.user.id.clone();
    let seq = change_group(session, &cid, |state, role| {
        let mut changes = vec![Change::Remove(me.clone())];
        let mut new_owner = None;
        if role == Role::Owner {
            // Members are ordered longest-standing first.
            let others = state.members.iter().filter(|m| m.0 != me);
            let successor = others
                .clone()
                .find(|m| m.1 == Role::Admin)
                .or_else(|| others.clone().next())
                .map(|m| m.0.clone());
            if let Some(successor) = &successor {
                changes.push(Change::SetRole(successor.clone(), Role::Owner));
            }
            new_owner = successor;
        }
        Ok((EventBody::MemberLeft { new_owner }, changes))
    })
    .await?;
    Ok(done(cid, seq))
}
