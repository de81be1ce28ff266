import { Region, RegionName, Organisation, OrgName, OrgSuccession, RegionRouting } from '../modules/directory/entities';
import { User, UserRole, PasswordHistory, OrgContact, UserHandover } from '../modules/users/entities';
import { UserSession, RefreshToken, LoginThrottle } from '../modules/auth/entities';
import { LegalOrgan, Regulation, RegulationIssuer, RegulationArticle } from '../modules/regulations/entities';
import { AuditLog } from '../modules/audit/entities';
import { Lease } from '../modules/platform/entities';
import { DeadlineRule, CalendarOverrideRow, CalendarYear } from '../modules/deadlines/entities';
import {
  CaseRecord, CaseParty, CaseRegulation, CaseEvent, CaseTask, TaskExtension, Filing, CaseDocument, Notification, NotificationRead, CasePartyOrg,
} from '../modules/cases/entities';
import { Reminder, ReminderLog, SmsPreference, SmsDelivery, JobStatus } from '../modules/reminders/entities';

export const ENTITIES = [
  Region, RegionName, Organisation, OrgName, OrgSuccession, RegionRouting,
  User, UserRole, PasswordHistory, OrgContact, UserHandover,
  UserSession, RefreshToken, LoginThrottle,
  LegalOrgan, Regulation, RegulationIssuer, RegulationArticle,
  AuditLog, Lease,
  DeadlineRule, CalendarOverrideRow, CalendarYear,
  CaseRecord, CaseParty, CaseRegulation, CaseEvent, CaseTask, TaskExtension, Filing, CaseDocument, Notification, NotificationRead, CasePartyOrg,
  Reminder, ReminderLog, SmsPreference, SmsDelivery, JobStatus,
];
