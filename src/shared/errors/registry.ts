/**
 * The one error registry: every code the platform answers with, its HTTP status and default message.
 * OCI codes keep the distribution-spec names; ARM/az-facing codes keep Azure's names; OAuth codes keep RFC 6749's.
 * The envelope (OCI, ARM, OAuth, IMDS, Key Vault) is chosen by the route group, never here.
 */
export interface ErrorDefinition {
  status: number;
  message: string;
  family: 'oci' | 'arm' | 'oauth' | 'keyvault' | 'task' | 'cli' | 'blob';
  /** The code on the wire when it differs from the key (a name another family already uses). */
  wire?: string;
}

const oci = (status: number, message: string): ErrorDefinition => ({ status, message, family: 'oci' });
const arm = (status: number, message: string): ErrorDefinition => ({ status, message, family: 'arm' });
const oauth = (status: number, message: string): ErrorDefinition => ({ status, message, family: 'oauth' });
const kv = (status: number, message: string): ErrorDefinition => ({ status, message, family: 'keyvault' });
const task = (status: number, message: string): ErrorDefinition => ({ status, message, family: 'task' });
const blob = (status: number, message: string, wire?: string): ErrorDefinition => ({
  status,
  message,
  family: 'blob',
  ...(wire ? { wire } : {}),
});
const cli = (status: number, message: string): ErrorDefinition => ({ status, message, family: 'cli' });

export const ERRORS = {
  // OCI distribution-spec codes
  BLOB_UNKNOWN: oci(404, 'blob unknown to registry'),
  BLOB_UPLOAD_INVALID: oci(400, 'blob upload invalid'),
  BLOB_UPLOAD_UNKNOWN: oci(404, 'blob upload unknown to registry'),
  DIGEST_INVALID: oci(400, 'provided digest did not match uploaded content'),
  MANIFEST_BLOB_UNKNOWN: oci(404, 'manifest references a manifest or blob unknown to registry'),
  MANIFEST_INVALID: oci(400, 'manifest invalid'),
  MANIFEST_UNKNOWN: oci(404, 'manifest unknown to registry'),
  NAME_INVALID: oci(400, 'invalid repository name'),
  NAME_UNKNOWN: oci(404, 'repository name not known to registry'),
  SIZE_INVALID: oci(400, 'provided length did not match content length'),
  UNAUTHORIZED: oci(401, 'authentication required'),
  DENIED: oci(403, 'requested access to the resource is denied'),
  UNSUPPORTED: oci(405, 'the operation is unsupported'),
  TOOMANYREQUESTS: oci(429, 'too many requests'),
  RANGE_INVALID: oci(416, 'requested range not satisfiable'),
  PAGINATION_NUMBER_INVALID: oci(400, 'invalid number of results requested'),
  TAG_INVALID: oci(400, 'manifest tag did not match URI'),
  UNKNOWN: oci(500, 'unknown error'),
  REGISTRY_DISALLOWED_OPERATION: oci(
    405,
    'The operation is disallowed on this registry, repository or image. View troubleshooting steps at https://aka.ms/acr/faq/#why-does-my-pull-or-push-request-fail-with-disallowed-operation',
  ),

  // ARM / az-facing codes
  InvalidApiVersionParameter: arm(400, 'The api-version is invalid.'),
  MissingApiVersionParameter: arm(400, 'The api-version query parameter (?api-version=) is required for all requests.'),
  InvalidRequestContent: arm(400, 'The request content was invalid and could not be deserialized.'),
  Request_UnsupportedQuery: arm(400, 'Unsupported query.'),
  InvalidParameter: arm(400, 'A parameter is invalid.'),
  InvalidResourceName: arm(400, 'The resource name is invalid.'),
  InvalidResourceGroupLocation: arm(409, 'Invalid resource group location.'),
  InvalidScope: arm(400, 'The scope is invalid.'),
  ResourceGroupNotFound: arm(404, 'Resource group could not be found.'),
  ResourceNotFound: arm(404, 'The Resource was not found.'),
  SubscriptionNotFound: arm(404, 'The subscription could not be found.'),
  AlreadyInUse: arm(409, 'The resource name is already in use.'),
  RegistryNameNotAvailable: arm(409, 'The registry name is already in use.'),
  Conflict: arm(409, 'The request conflicts with the current state of the resource.'),
  AuthenticationFailed: arm(401, 'Authentication failed.'),
  InvalidAuthenticationToken: arm(401, 'The access token is invalid.'),
  ExpiredAuthenticationToken: arm(401, 'The access token expiry UTC time is earlier than current UTC time.'),
  AuthorizationFailed: arm(403, 'The client does not have authorization to perform the action.'),
  LinkedAuthorizationFailed: arm(
    403,
    'The client has permission to perform the action on the scope, but not the action(s) it needs on a linked scope (such as assign/action on a user-assigned identity).',
  ),
  RoleAssignmentExists: arm(409, 'The role assignment already exists.'),
  RoleDefinitionNotFound: arm(404, 'The role definition could not be found.'),
  RoleAssignmentNotFound: arm(404, 'The role assignment could not be found.'),
  InvalidResourceType: arm(404, 'The resource type could not be found.'),
  InvalidRoleAssignmentId: arm(400, 'The role assignment ID is not valid. The role assignment ID must be a GUID.'),
  VaultAlreadyExists: arm(409, 'The vault name is already in use.'),
  PrincipalNotFound: arm(400, 'The principal does not exist in the directory.'),
  QuotaExceeded: arm(400, 'The requested feature exceeds the allowed quota.'),
  TaskRunFailed: arm(400, 'The run failed.'),
  RunNotFound: arm(404, 'The run could not be found.'),
  LogLinkExpired: arm(403, 'The log link has expired; request a new one.'),
  OperationNotAllowed: arm(400, 'The operation is not allowed.'),
  SourceLocationNotAllowed: arm(
    400,
    'The source location is not allowed: use a git URL, an uploaded context or /dev/null (host directories are never server-side sources).',
  ),
  PathOutsideContext: arm(400, 'The path (task file, values file or Dockerfile) is outside the build context.'),
  ImportSourceNetworkDenied: arm(403, "The source registry's network rules do not allow the import."),
  InternalServerError: arm(500, 'An internal error occurred.'),
  DashboardNotBuilt: arm(503, 'The web dashboard has not been built: run "npm run build:web".'),
  DashboardProxyForbidden: arm(403, 'The dashboard registry proxy only serves loopback clients.'),
  WebhookTargetNotAllowed: arm(
    400,
    'The webhook service URI is not allowed: only loopback and the hosts in webhookAllowedHosts may receive webhooks.',
  ),

  // OAuth / token endpoints (ACR /oauth2/*, identity service, IMDS)
  invalid_request: oauth(400, 'The request is missing a required parameter or is malformed.'),
  invalid_client: oauth(401, 'Client authentication failed.'),
  invalid_grant: oauth(400, 'The provided grant is invalid, expired or revoked.'),
  unauthorized_client: oauth(401, 'The client is not authorized.'),
  unsupported_grant_type: oauth(400, 'The grant type is not supported.'),
  invalid_scope: oauth(400, 'The requested scope is invalid.'),
  invalid_resource: oauth(400, 'The resource is invalid.'),
  identity_not_found: oauth(400, 'No managed identity matches the request.'),
  invalid_tenant: oauth(400, 'The tenant is not known.'),
  bad_request_102: oauth(400, 'Required metadata header not specified'),

  // Key Vault data plane
  SecretNotFound: kv(404, 'A secret with the given name was not found.'),
  SecretDisabled: kv(403, 'Operation get is not allowed on a disabled secret.'),
  Forbidden: kv(403, 'The user, group or application does not have secrets get permission on key vault.'),
  Unauthorized: kv(401, 'AKV10000: Request is missing a Bearer or PoP token.'),
  VaultNotFound: kv(404, 'The vault could not be found.'),
  BadParameter: kv(400, 'A parameter is invalid.'),

  // Task files
  TaskFileInvalid: task(400, 'The task file is invalid.'),
  TemplateError: task(400, 'The template could not be rendered.'),
  DockerfileInvalid: task(400, 'The Dockerfile could not be scanned.'),
  EngineUnavailable: task(503, 'The container engine is not available.'),
  EngineBuildFailed: task(400, 'The image build failed.'),
  EnginePushFailed: task(400, 'The image push failed.'),
  EnginePullFailed: task(400, 'The image pull failed.'),
  EngineImageNotFound: task(404, 'The image was not found in the container engine.'),
  EngineOperationFailed: task(500, 'The container engine operation failed.'),
  LibraryImageFailed: task(500, 'The offline base image could not be created.'),

  // Azure Blob Storage (the blob host for build-source uploads and run logs; XML envelope)
  SasAuthenticationFailed: blob(
    403,
    'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
    'AuthenticationFailed',
  ),
  AuthorizationPermissionMismatch: blob(
    403,
    'This request is not authorized to perform this operation using this permission.',
  ),
  BlobNotFound: blob(404, 'The specified blob does not exist.'),
  ContainerNotFound: blob(404, 'The specified container does not exist.'),
  BlobAlreadyExists: blob(409, 'The specified blob already exists.'),
  InvalidRange: blob(416, 'The range specified is invalid for the current size of the resource.'),
  RequestBodyTooLarge: blob(413, 'The request body is too large and exceeds the maximum permissible limit.'),
  InvalidBlockList: blob(400, 'The specified block list is invalid.'),
  InvalidBlockId: blob(400, 'The specified blob or block content is invalid.'),
  InvalidQueryParameterValue: blob(
    400,
    'Value for one of the query parameters specified in the request URI is invalid.',
  ),
  MissingRequiredHeader: blob(400, 'An HTTP header that is mandatory for this request is not specified.'),
  UnsupportedHttpVerb: blob(405, "The resource doesn't support specified Http Verb."),

  // CLI-only conditions
  CliUsage: cli(2, 'Invalid usage.'),
  CliConnection: cli(1, 'Could not reach the Dockyard server.'),
  CliNotLoggedIn: cli(1, 'Please run "dockyard login" to set up an account.'),
  CliTrustStore: cli(1, 'Could not install the local CA into the system trust store.'),
  CliAzCloud: cli(1, 'Could not register the Dockyard cloud with the Azure CLI.'),
  CliBackup: cli(1, 'The backup or restore failed.'),
  CliLoginExpired: cli(
    1,
    'The stored login has expired and could not be renewed: run "dockyard login" again, or "dockyard logout" to use the local admin.',
  ),
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;
