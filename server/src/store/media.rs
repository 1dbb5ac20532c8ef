//! Media records: what was uploaded, where, by whom, for which conversation.

use super::{keys, Store};
use crate::error::AppResult;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use tidings_shared::{ConversationId, MediaId, MediaInfo, UserId};

/// One stored file as the server knows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MediaRecord {
    pub info: MediaInfo,
    pub conversation: ConversationId,
    pub uploader: UserId,
    /// Key of the bytes in the media store.
    pub key: String,
    /// Key, size and content type of the thumbnail, when there is one.
    pub thumbnail: Option<(String, u64, String)>,
}

impl Store {
    /// Saves a record (after its bytes are stored).
    pub async fn put_media(&self, record: &MediaRecord) -> AppResult<()> {
        let json = serde_json::to_string(record)?;
        let _: () = self.conn().set(keys::media(&record.info.id), json).await?;
        Ok(())
    }

    /// The record of `id`, if any.
    pub async fn media(&self, id: &MediaId) -> AppResult<Option<MediaRecord>> {
        let json: Option<String> = self.conn().get(keys::media(id)).await?;
        Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
    }

    /// Records of many ids in one round trip (`None` for unknown ones).
    pub async fn media_many(&self, ids: &[MediaId]) -> AppResult<Vec<Option<MediaRecord>>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = ids.iter().map(keys::media).collect();
        let jsons: Vec<Option<String>> = self.conn().mget(keys).await?;
        jsons
            .into_iter()
            .map(|j| Ok(j.map(|j| serde_json::from_str(&j)).transpose()?))
            .collect()
    }
}
