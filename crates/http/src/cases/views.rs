//! What the API shows of proposals and cases.

use chrono::NaiveDateTime;
use entraide_core::{AnswerType, Email, JobRole, PhoneNumber, Urgency};
use entraide_store::cases::{Answer, CaseRecord, Proposal, ProposalStatus, Rating};
use entraide_store::requests::{HelpRequest, Transition};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api_requests::{EstablishmentView, HelpRequestView, RequestThemeView, StatusView};

/// Where a proposal stands: `pending` (waiting for the volunteer), `accepted`,
/// `declined`, `expired` (unanswered in time) or `withdrawn` (another volunteer accepted,
/// the request was cancelled, or staff released the volunteer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ProposalStatus)]
pub enum ProposalStatusView {
    /// Waiting for the volunteer's answer.
    Pending,
    /// Accepted: the volunteer holds the case.
    Accepted,
    /// Declined by the volunteer.
    Declined,
    /// Unanswered in time.
    Expired,
    /// Closed by the service.
    Withdrawn,
}

impl From<ProposalStatus> for ProposalStatusView {
    fn from(status: ProposalStatus) -> Self {
        match status {
            ProposalStatus::Pending => Self::Pending,
            ProposalStatus::Accepted => Self::Accepted,
            ProposalStatus::Declined => Self::Declined,
            ProposalStatus::Expired => Self::Expired,
            ProposalStatus::Withdrawn => Self::Withdrawn,
        }
    }
}

impl From<ProposalStatusView> for ProposalStatus {
    fn from(status: ProposalStatusView) -> Self {
        match status {
            ProposalStatusView::Pending => Self::Pending,
            ProposalStatusView::Accepted => Self::Accepted,
            ProposalStatusView::Declined => Self::Declined,
            ProposalStatusView::Expired => Self::Expired,
            ProposalStatusView::Withdrawn => Self::Withdrawn,
        }
    }
}

fn themes(request: &HelpRequest) -> Vec<RequestThemeView> {
    request
        .themes
        .iter()
        .map(|theme| RequestThemeView {
            id: theme.id.clone(),
            label: theme.label.clone(),
        })
        .collect()
}

/// A request as a volunteer sees it in a proposal: what they need to decide, without the
/// contact details (sent once they accept).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposedRequestView {
    /// Request id.
    pub id: Uuid,
    /// Reference.
    #[schema(example = "DA-2026-0042")]
    pub reference: String,
    /// Current state.
    pub status: StatusView,
    /// Urgency.
    pub urgency: Urgency,
    /// Themes, main one first.
    pub themes: Vec<RequestThemeView>,
    /// What the establishment needs (no patient or health data).
    pub description: String,
    /// The establishment.
    pub establishment: EstablishmentView,
    /// Submission (UTC).
    pub created_at: NaiveDateTime,
}

impl From<&HelpRequest> for ProposedRequestView {
    fn from(request: &HelpRequest) -> Self {
        Self {
            id: request.id,
            reference: request.reference.clone(),
            status: request.status.into(),
            urgency: request.urgency,
            themes: themes(request),
            description: request.description.clone(),
            establishment: EstablishmentView::from(&request.establishment),
            created_at: request.created_at,
        }
    }
}

/// A request offered to a volunteer, with why they were chosen.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    /// Proposal id.
    pub id: Uuid,
    /// Where it stands.
    pub status: ProposalStatusView,
    /// The volunteer asked.
    pub volunteer_id: Uuid,
    /// Their name.
    #[schema(example = "Claire Martin")]
    pub volunteer_name: String,
    /// Wave, from 1.
    pub wave: i32,
    /// Place in the ranking when proposed (0: proposed by staff).
    pub rank: i32,
    /// Matching score when proposed.
    pub score: f64,
    /// Why the volunteer was chosen.
    #[schema(example = json!(["Thèmes couverts : 2 sur 2", "Même région"]))]
    pub reasons: Vec<String>,
    /// Whether staff proposed it by hand (a named volunteer or a batch).
    pub proposed_by_staff: bool,
    /// When it was sent (UTC).
    pub created_at: NaiveDateTime,
    /// When it expires unanswered (UTC).
    pub expires_at: NaiveDateTime,
    /// When the reminder was sent (UTC).
    pub reminded_at: Option<NaiveDateTime>,
    /// When it was answered or withdrawn (UTC).
    pub responded_at: Option<NaiveDateTime>,
    /// The volunteer's reason for declining.
    pub decline_reason: Option<String>,
    /// The request.
    pub request: ProposedRequestView,
}

impl ProposalView {
    /// The view of a proposal, with its request and the volunteer's name.
    pub fn new(proposal: Proposal, request: &HelpRequest, volunteer_name: String) -> Self {
        Self {
            id: proposal.id,
            status: proposal.status.into(),
            volunteer_id: proposal.volunteer_id,
            volunteer_name,
            wave: proposal.wave,
            rank: proposal.rank,
            score: proposal.score,
            reasons: proposal.reasons,
            proposed_by_staff: proposal.proposed_by.is_some(),
            created_at: proposal.created_at,
            expires_at: proposal.expires_at,
            reminded_at: proposal.reminded_at,
            responded_at: proposal.responded_at,
            decline_reason: proposal.decline_reason,
            request: request.into(),
        }
    }
}

/// The volunteer holding a case, as the requester and staff see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseVolunteerView {
    /// Volunteer id.
    pub id: Uuid,
    /// Full name.
    #[schema(example = "Claire Martin")]
    pub name: String,
    /// Job role.
    pub job_role: JobRole,
    /// Where they work, when given.
    pub organisation: Option<String>,
    /// E-mail address.
    pub email: Email,
    /// Phone number (E.164).
    pub phone: PhoneNumber,
}

/// One way the volunteer helped.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerItemView {
    /// Answer type.
    #[serde(rename = "type")]
    pub answer_type: AnswerType,
    /// Its French label.
    #[schema(example = "Envoi d'un outil")]
    pub label: String,
    /// For a tool sent: its name.
    pub tool_name: Option<String>,
    /// For a tool sent: a link to it.
    pub tool_link: Option<String>,
}

/// How the volunteer helped.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerView {
    /// One or more answer types.
    pub items: Vec<AnswerItemView>,
    /// Short summary.
    pub summary: String,
    /// Time spent, in minutes.
    pub time_spent_minutes: i32,
    /// When it was recorded (UTC).
    pub created_at: NaiveDateTime,
}

impl From<Answer> for AnswerView {
    fn from(answer: Answer) -> Self {
        Self {
            items: answer
                .items
                .into_iter()
                .map(|item| AnswerItemView {
                    answer_type: item.answer_type,
                    label: item.answer_type.label().to_owned(),
                    tool_name: item.tool_name,
                    tool_link: item.tool_link,
                })
                .collect(),
            summary: answer.summary,
            time_spent_minutes: answer.time_spent_minutes,
            created_at: answer.created_at,
        }
    }
}

/// The requester's word on the help received.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingView {
    /// 1 (not useful) to 5 (very useful).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i32,
    /// Comment.
    pub comment: Option<String>,
    /// When it was given (UTC).
    pub created_at: NaiveDateTime,
}

impl From<Rating> for RatingView {
    fn from(rating: Rating) -> Self {
        Self {
            rating: rating.rating,
            comment: rating.comment,
            created_at: rating.created_at,
        }
    }
}

/// A help request and everything that happened after it arrived, as its requester, the
/// volunteer holding it and staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    /// The request, with its state and contact person.
    pub request: HelpRequestView,
    /// Current wave of proposals (0 before the first).
    pub wave: i32,
    /// Proposals waiting for an answer.
    pub pending_proposals: i64,
    /// Needs staff's attention: accepted a week ago without an answer, or submitted an
    /// hour ago and proposed to nobody yet.
    pub stalled: bool,
    /// The volunteer who took it, once accepted.
    pub volunteer: Option<CaseVolunteerView>,
    /// When the volunteer accepted (UTC).
    pub accepted_at: Option<NaiveDateTime>,
    /// When the answer was recorded (UTC).
    pub resolved_at: Option<NaiveDateTime>,
    /// When the case was closed (UTC).
    pub closed_at: Option<NaiveDateTime>,
    /// How the volunteer helped.
    pub answer: Option<AnswerView>,
    /// The requester's rating.
    pub rating: Option<RatingView>,
}

impl From<CaseRecord> for CaseView {
    fn from(record: CaseRecord) -> Self {
        let case = record.case;
        Self {
            request: record.request.into(),
            wave: record.wave,
            pending_proposals: record.pending_proposals,
            stalled: record.stalled,
            volunteer: record.volunteer.map(|v| CaseVolunteerView {
                id: v.id,
                name: v.name,
                job_role: v.job_role,
                organisation: v.own_organisation,
                email: v.email,
                phone: v.phone,
            }),
            accepted_at: case.as_ref().map(|c| c.accepted_at),
            resolved_at: case.as_ref().and_then(|c| c.resolved_at),
            closed_at: case.as_ref().and_then(|c| c.closed_at),
            answer: record.answer.map(AnswerView::from),
            rating: record.rating.map(RatingView::from),
        }
    }
}

/// One entry of a request's audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionView {
    /// State before (`null` for the submission).
    pub from: Option<StatusView>,
    /// State after.
    pub to: StatusView,
    /// Who acted (`null`: the service itself, e.g. an expiry).
    pub actor_user_id: Option<Uuid>,
    /// Why, when given.
    pub reason: Option<String>,
    /// When (UTC).
    pub at: NaiveDateTime,
}

impl From<Transition> for TransitionView {
    fn from(t: Transition) -> Self {
        Self {
            from: t.from.map(StatusView::from),
            to: t.to.into(),
            actor_user_id: t.actor_user_id,
            reason: t.reason,
            at: t.at,
        }
    }
}
