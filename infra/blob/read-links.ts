import {
  type BlobClient,
  type BlobGenerateSasUrlOptions,
  BlobSASPermissions,
  type BlobServiceClient,
  SASProtocol,
  StorageSharedKeyCredential,
  type UserDelegationKey,
} from "@azure/storage-blob";
import { isTokenCredential } from "../identity.ts";
import { attachment } from "./document-names.ts";

/**
 * Short-lived, read-only document URLs. Signed with the account key where we have one (Azurite,
 * connection strings), else with a user delegation key obtained via the token credential (managed
 * identity in Azure, which has no account key to sign with).
 */
export class ReadLinkSigner {
  private delegationKey: { key: UserDelegationKey; expiresOn: Date } | undefined;

  constructor(private readonly service: BlobServiceClient) {}

  sign(blob: BlobClient, ttlMinutes: number, fileName?: string): Promise<string> {
    return this.signedUrl(blob, this.readOnlySas(blob, ttlMinutes, fileName));
  }

  private readOnlySas(blob: BlobClient, ttlMinutes: number, fileName?: string): BlobGenerateSasUrlOptions {
    const now = Date.now();
    return {
      permissions: BlobSASPermissions.parse("r"),
      startsOn: new Date(now - 5 * 60_000), // tolerate clock skew between us and storage
      expiresOn: new Date(now + ttlMinutes * 60_000),
      protocol: blob.url.startsWith("https:") ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
      ...(fileName ? { contentDisposition: attachment(fileName) } : {}),
    };
  }

  private async signedUrl(blob: BlobClient, options: BlobGenerateSasUrlOptions): Promise<string> {
    const credential = this.service.credential;
    if (credential instanceof StorageSharedKeyCredential) return blob.generateSasUrl(options);
    if (isTokenCredential(credential)) {
      return blob.generateUserDelegationSasUrl(options, await this.userDelegationKey(options.expiresOn!));
    }
    // A SAS connection string: the URL already carries its token.
    return blob.url;
  }

  /** Delegation keys live up to 7 days; one per hour is plenty and saves a round trip per link. */
  private async userDelegationKey(needUntil: Date): Promise<UserDelegationKey> {
    const cached = this.delegationKey;
    if (cached && cached.expiresOn > needUntil) return cached.key;
    const startsOn = new Date(Date.now() - 5 * 60_000);
    const expiresOn = new Date(Math.max(needUntil.getTime(), Date.now() + 60 * 60_000) + 5 * 60_000);
    const key = await this.service.getUserDelegationKey(startsOn, expiresOn);
    this.delegationKey = { key, expiresOn };
    return key;
  }
}
