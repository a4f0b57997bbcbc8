//! AWS IoT fleet provisioning's pre-provisioning hook (`aws_lambda_events` has no type for
//! it), and its answer.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What AWS IoT sends the pre-provisioning hook before it provisions a device.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::IotPreProvisioningHookEvent};
/// let event: IotPreProvisioningHookEvent = RawEvent::new(Kind::IotPreProvision.sample()).decode_json().unwrap();
/// assert_eq!(event.parameters["SerialNumber"], "SN-20261103-0042");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IotPreProvisioningHookEvent {
    /// The claim certificate the device connected with.
    pub claim_certificate_id: String,
    /// The certificate being provisioned.
    pub certificate_id: String,
    /// Its PEM.
    #[serde(default)]
    pub certificate_pem: Option<String>,
    /// The provisioning template.
    pub template_arn: String,
    /// The device's MQTT client id.
    pub client_id: String,
    /// The template's parameters, as the device sent them.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// The hook's answer: whether to provision, and parameters to change.
///
/// ```
/// use cloud_events_core::events::IotPreProvisioningHookAnswer;
/// let answer = IotPreProvisioningHookAnswer::allow().with_override("DeviceLocation", "Seattle");
/// assert_eq!(
///     serde_json::to_value(&answer).unwrap(),
///     serde_json::json!({"allowProvisioning": true, "parameterOverrides": {"DeviceLocation": "Seattle"}})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IotPreProvisioningHookAnswer {
    /// Whether the device is provisioned.
    pub allow_provisioning: bool,
    /// Template parameters to use instead of the device's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameter_overrides: BTreeMap<String, String>,
}

impl IotPreProvisioningHookAnswer {
    /// Provision the device.
    pub fn allow() -> Self {
        IotPreProvisioningHookAnswer {
            allow_provisioning: true,
            parameter_overrides: BTreeMap::new(),
        }
    }

    /// Do not provision it.
    ///
    /// ```
    /// use cloud_events_core::events::IotPreProvisioningHookAnswer;
    /// let answer = serde_json::to_value(IotPreProvisioningHookAnswer::deny()).unwrap();
    /// assert_eq!(answer, serde_json::json!({"allowProvisioning": false}));
    /// ```
    pub fn deny() -> Self {
        IotPreProvisioningHookAnswer {
            allow_provisioning: false,
            ..Self::allow()
        }
    }

    /// Also sets template parameter `name` to `value`.
    pub fn with_override(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parameter_overrides.insert(name.into(), value.into());
        self
    }
}
