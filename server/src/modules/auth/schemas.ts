import Type from 'typebox';
import { ROLES } from './roles.js';

/** Every way to authenticate, for routes' OpenAPI `security`. */
export const SECURITY: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }, { session: [] }];

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const UserBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    displayName: Type.String(),
    roles: Type.Array(RoleSchema),
    disabled: Type.Boolean(),
    lastLoginAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
);

export const ApiKeyBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    prefix: Type.String({ description: 'First characters of the key, to recognise it' }),
    roles: Type.Array(RoleSchema),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'ApiKey' },
);

const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({
  minLength: 12,
  maxLength: 256,
  description: 'At least 12 characters',
});

export const RegisterBody = Type.Object(
  { email: Email, password: Password, displayName: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const SessionResponse = Type.Object({
  user: Type.Ref('User'),
  token: Type.String({ description: 'Session token; also set as the HttpOnly stoa_session cookie' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const CreateUserBody = Type.Object(
  {
    email: Email,
    password: Password,
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    roles: Type.Array(RoleSchema, { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);

const Reason = Type.String({
  minLength: 3,
  maxLength: 500,
  pattern: '\\S',
  description: 'Why; recorded in the audit trail',
});

export const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });

const access = (description: string) =>
  Type.Object(
    { sessions: Type.Integer({ minimum: 0 }), apiKeys: Type.Integer({ minimum: 0 }) },
    { description },
  );

/** A user as administrators see them: with what they can sign in with right now. */
export const UserAccountBody = Type.Object(
  {
    ...UserBody.properties,
    disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    disabledReason: Type.Union([Type.String(), Type.Null()]),
    access: access('Live sessions and API keys: what stops working if the account is disabled'),
  },
  { $id: 'UserAccount' },
);

export const AccessChangeResponse = Type.Object({
  user: Type.Ref('UserAccount'),
  ended: access('Sessions and API keys this change ended'),
});

export const SetRolesBody = Type.Object(
  {
    roles: Type.Array(RoleSchema, { uniqueItems: true }),
    reason: Reason,
  },
  { additionalProperties: false },
);

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    roles: Type.Optional(
      Type.Array(RoleSchema, { uniqueItems: true, description: 'Subset of your roles; default all of them' }),
    ),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const CreatedApiKey = Type.Object({
  apiKey: Type.Ref('ApiKey'),
  token: Type.String({ description: 'The key itself, shown once: send as X-API-Key or Bearer' }),
});

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const Message = Type.Object({
  message: Type.String({ description: 'What happened, in words to show the person' }),
});

export const ConfirmEmailBody = Type.Object(
  { token: Type.String({ minLength: 20, maxLength: 200, description: 'From the link in the e-mail' }) },
  { additionalProperties: false },
);

export const ResetRequestBody = Type.Object({ email: Email }, { additionalProperties: false });

export const ResetPasswordBody = Type.Object(
  {
    token: Type.String({ minLength: 20, maxLength: 200, description: 'From the link in the e-mail' }),
    password: Password,
  },
  { additionalProperties: false },
);

export const TwoFactorChallenge = Type.Object({
  twoFactor: Type.Literal('required', { description: 'Send a code to /auth/login/two-factor' }),
  challenge: Type.String({ description: 'Goes with the code; valid for 5 minutes' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

const Code = Type.String({
  minLength: 6,
  maxLength: 32,
  description: 'The 6-digit code from the authenticator app, or a recovery code',
});

export const TwoFactorLoginBody = Type.Object(
  { challenge: Type.String({ minLength: 20, maxLength: 200 }), code: Code },
  { additionalProperties: false },
);

export const CodeBody = Type.Object({ code: Code }, { additionalProperties: false });

export const TwoFactorStatus = Type.Object({
  enrolled: Type.Boolean(),
  required: Type.Boolean({ description: 'Your roles need it: staff pages answer only once it is set up' }),
  recoveryCodesLeft: Type.Integer({ minimum: 0 }),
});

export const TwoFactorEnrolment = Type.Object({
  secret: Type.String({ description: 'The secret in base32, to type into an app by hand' }),
  uri: Type.String({ description: 'otpauth:// URI (what the QR code holds)' }),
  qrCode: Type.String({ description: 'The QR code as a data: URL (PNG)' }),
});

export const RecoveryCodes = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: 'Each works once; shown only now' }),
});
