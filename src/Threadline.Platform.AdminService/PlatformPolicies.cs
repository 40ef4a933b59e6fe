namespace Threadline.Platform.AdminService;

/// <summary>Authorization policies of the admin service.</summary>
public static class PlatformPolicies
{
    /// <summary>Investigation endpoints and UI pages: auditors and admins.</summary>
    public const string Auditor = "auditor";
}
