import { config } from '@/lib/config';
import { FailureBackoff, RateLimiter } from '@/lib/limits';
import { processWide } from '@/lib/process/shared';

const QUARTER_HOUR = 15 * 60_000;

/**
 * Log-in and sign-up limits. Failed log-ins back off per address (any account: 20 free) and per
 * address and account (3 free), never per account alone — so a stranger guessing from elsewhere
 * can never lock the owner out of their account. Sign-ups are counted per address.
 */
export const authLimits = () =>
  processWide('auth-limits', () => ({
    failuresPerIp: new FailureBackoff(20, QUARTER_HOUR, QUARTER_HOUR),
    failuresPerIpAndAccount: new FailureBackoff(3, QUARTER_HOUR, QUARTER_HOUR),
    signupsPerIp: new RateLimiter(config().signupsPerHour, 60 * 60_000),
  }));

const HOUR = 60 * 60_000;

/**
 * Mail sent on someone's request (lib/accounts/mail-links.ts, invitations): each would let a
 * stranger fill an inbox or spend the server's sending, so each is counted per client address
 * and per target (an email address, an account, an inviter).
 */
export const accountMailLimits = () =>
  processWide('account-mail-limits', () => ({
    resetsPerIp: new RateLimiter(10, HOUR),
    resetsPerEmail: new RateLimiter(3, HOUR),
    verificationsPerUser: new RateLimiter(3, HOUR),
    emailChangesPerUser: new RateLimiter(5, HOUR),
    invitationsPerUser: new RateLimiter(30, HOUR),
  }));
